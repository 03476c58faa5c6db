{#- Executions of << wf.name >> unfinished after << wf.definition.state.stuck_after_hours >> hour(s); the next stateful run marks them error. -#}
{{ config(materialized='view', tags=<< wf.tags.monitoring | jinja_str_list >>) }}
select execution_id, status, current_step, steps_completed, start_time, last_poll_time, message
from {{ ref(<< wf.names.statefulModel | jinja_str >>) }}
where completed = false
  and status <> 'error'
  and start_time < {{ dbt.dateadd('minute', -<< (wf.definition.state.stuck_after_hours * 60) | round | int >>, gen_current_timestamp()) }}
