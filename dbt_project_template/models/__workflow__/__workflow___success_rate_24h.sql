{#- Success rate of workflow << wf.name >> over the last 24 hours (a health-check query, on both adapters). -#}
{{ config(materialized='view', tags=<< wf.tags.monitoring | jinja_str_list >>) }}
select
    count(*) as total_executions,
    coalesce(sum(case when completed then 1 else 0 end), 0) as successful,
    coalesce(sum(case when status = 'error' then 1 else 0 end), 0) as failed,
    round(100.0 * sum(case when completed then 1 else 0 end) / nullif(count(*), 0), 2) as success_rate_percent
from {{ ref(<< wf.names.statefulModel | jinja_str >>) }}
where start_time >= {{ dbt.dateadd('hour', -24, gen_current_timestamp()) }}
