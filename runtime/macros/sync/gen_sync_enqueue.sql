{#- Queues finished executions (a list of ids, or one id), once each: a later run that queues one again changes
    nothing. One statement, however many (their ids travel as one JSON text, gen_json_rows_sql): a for_each run
    queues all the rows it finished together. -#}
{% macro gen_sync_enqueue(wf, execution_ids) %}
  {%- if not gen_sync_enabled() or wf['name'] not in (gen_sync_workflows() | map(attribute='name') | list) -%}{{ return('') }}{%- endif -%}
  {%- set ids = [execution_ids] if execution_ids is string else execution_ids -%}
  {%- if ids | length == 0 -%}{{ return('') }}{%- endif -%}
  {%- set q = gen_sync_queue_relation() -%}
  {%- set rows = [] -%}
  {%- for id in ids -%}{%- do rows.append({'gen_id': id}) -%}{%- endfor -%}
  {%- do dbt.run_query('insert into ' ~ q ~ ' (execution_id, workflow, status, retry_count, max_retries, created_at, updated_at)'
        ~ ' select gen_ids.gen_id, ' ~ gen_sql_string(wf['name']) ~ ", 'pending', 0, " ~ gen_sync_settings().max_retries
        ~ ', ' ~ gen_current_timestamp() ~ ', ' ~ gen_current_timestamp() ~ ' from ('
        ~ gen_json_rows_sql([{'name': 'gen_id', 'type': 'string'}], rows)
        ~ ') as gen_ids where not exists (select 1 from ' ~ q ~ ' as gen_q where gen_q.execution_id = gen_ids.gen_id)') -%}
{% endmacro %}
