{#- Executions of policy_execution unfinished after 1 hour(s); the next stateful run marks them error. -#}
{{ config(materialized='view', tags=['gen', 'gen_monitoring']) }}
select execution_id, status, current_step, steps_completed, start_time, last_poll_time, message
from {{ ref('stateful_policy_execution') }}
where completed = false
  and status <> 'error'
  and start_time < {{ dbt.dateadd('minute', -60, gen_current_timestamp()) }}
