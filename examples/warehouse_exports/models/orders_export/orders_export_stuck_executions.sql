{#- Executions of orders_export unfinished after 2 hour(s); the next stateful run marks them error. -#}
{{ config(materialized='view', tags=['gen', 'gen_monitoring', 'nightly']) }}
select execution_id, status, current_step, steps_completed, start_time, last_poll_time, message
from {{ ref('stateful_orders_export') }}
where completed = false
  and status <> 'error'
  and start_time < {{ dbt.dateadd('minute', -120, gen_current_timestamp()) }}
