{#- Creates the sync queue (gen_sync_queue_relation) if it does not exist yet, or adds the columns a newer gen
    introduced. -#}
{% macro gen_ensure_sync_queue() %}
  {%- set s = gen_type_string() -%}
  {%- set ts = gen_type_timestamp() -%}
  {%- do gen_ensure_schema(gen_sync_queue_relation()) -%}
  {%- do gen_ensure_table(gen_sync_queue_relation(),
        ['execution_id ' ~ s ~ ' not null', 'workflow ' ~ s, 'status ' ~ s, 'retry_count integer',
         'max_retries integer', 'error_message ' ~ s, 'created_at ' ~ ts, 'updated_at ' ~ ts, 'next_attempt_at ' ~ ts,
         'processed_at ' ~ ts]) -%}
{% endmacro %}
