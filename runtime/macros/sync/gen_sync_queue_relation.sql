{#- The sync queue: every stateful execution that finishes (completed or error) is queued here, and `gen sync`
    uploads it to Snowflake with retries (reading and writing this table directly, without dbt). One row per
    execution: pending -> processing -> completed, or back to pending with a growing delay after a failed
    upload, and failed after max_retries attempts. -#}
{% macro gen_sync_queue_relation() %}{{ return(gen_relation('gen_sync_queue')) }}{% endmacro %}
