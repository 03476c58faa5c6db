{#- Success rate of workflow orders_export over the last 24 hours (seed monitoring query, on both adapters). -#}
{{ config(materialized='view', tags=['gen', 'gen_monitoring', 'nightly']) }}
select
    count(*) as total_executions,
    coalesce(sum(case when completed then 1 else 0 end), 0) as successful,
    coalesce(sum(case when status = 'error' then 1 else 0 end), 0) as failed,
    round(100.0 * sum(case when completed then 1 else 0 end) / nullif(count(*), 0), 2) as success_rate_percent
from {{ ref('stateful_orders_export') }}
where start_time >= {{ dbt.dateadd('hour', -24, gen_current_timestamp()) }}
