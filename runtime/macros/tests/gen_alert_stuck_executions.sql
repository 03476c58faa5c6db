{#- Alert (dbt test): executions that have not finished within `minutes` of their start (the next stateful run
    marks them failed and starts a new execution). -#}
{% test gen_alert_stuck_executions(model, minutes) %}
select execution_id, status, current_step, start_time
from {{ model }}
where completed = false and status <> 'error'
  and start_time < {{ dbt.dateadd('minute', -(minutes | int), gen_current_timestamp()) }}
{% endtest %}
