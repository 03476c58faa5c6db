{#- Alert (dbt test): executions whose upload to Snowflake failed max_retries times (`model` is gen_sync_failures;
    `gen sync --retry-failed` queues them again). -#}
{% test gen_alert_failed_syncs(model) %}
select * from {{ model }}
{% endtest %}
