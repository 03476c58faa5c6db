{#- Alert (dbt test): the latest execution of a stateful workflow failed. `model` is the workflow's stateful model
    (a view over its state table); a later execution that succeeds clears the alert. -#}
{% test gen_alert_failed_execution(model) %}
select execution_id, status, error_message, end_time
from (
    select execution_id, status, error_message, end_time,
        row_number() over (order by start_time desc, execution_id desc) as recency
    from {{ model }}
) latest
where recency = 1 and status = 'error'
{% endtest %}
