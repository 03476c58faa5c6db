{#- Alert (dbt test): commands whose failures auto-restart gave up on after max_retries selective retries in a row
    (the gen_restart_plan view's verdict max_retries). -#}
{% test gen_alert_retries_exhausted(model) %}
select restart_key, verdict, reason
from {{ model }}
where verdict = 'max_retries'
{% endtest %}
