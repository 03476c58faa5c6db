{#- Hourly execution statistics of << wf.name >> over the last day. -#}
{{ config(materialized='view', tags=<< wf.tags.monitoring | jinja_str_list >>) }}
select
    {{ dbt.date_trunc('hour', 'start_time') }} as hour,
    count(*) as total_executions,
    sum(case when completed then 1 else 0 end) as successful,
    sum(case when status = 'error' then 1 else 0 end) as failed
from {{ ref(<< wf.names.statefulModel | jinja_str >>) }}
where start_time >= {{ dbt.dateadd('day', -1, gen_current_timestamp()) }}
group by 1
