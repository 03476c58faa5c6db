{#- Queues a finished execution, once: a later run that queues it again changes nothing. -#}
{% macro gen_sync_enqueue(wf, execution_id) %}
  {%- if not gen_sync_enabled() or wf['name'] not in (gen_sync_workflows() | map(attribute='name') | list) -%}{{ return('') }}{%- endif -%}
  {%- set q = gen_sync_queue_relation() -%}
  {%- set id = gen_sql_string(execution_id) -%}
  {%- do dbt.run_query('insert into ' ~ q ~ ' (execution_id, workflow, status, retry_count, max_retries, created_at, updated_at)'
        ~ ' select ' ~ id ~ ', ' ~ gen_sql_string(wf['name']) ~ ", 'pending', 0, " ~ gen_sync_settings().max_retries
        ~ ', ' ~ gen_current_timestamp() ~ ', ' ~ gen_current_timestamp()
        ~ ' where not exists (select 1 from ' ~ q ~ ' where execution_id = ' ~ id ~ ')') -%}
{% endmacro %}
