{#- `dbt run-operation gen_sync_backfill`: queues every finished execution that is not queued yet (executions from
    before sync was turned on, or whose queue row was removed). -#}
{% macro gen_sync_backfill() %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- do gen_ensure_sync_queue() -%}
  {%- set q = gen_sync_queue_relation() -%}
  {%- set queued = [] -%}
  {%- for wf in gen_sync_workflows() -%}
    {%- set state = gen_relation(wf['state']['table']) -%}
    {%- do gen_ensure_state_tables(wf) -%}
    {%- set missing = dbt.run_query('select execution_id from ' ~ state ~ " where (completed = true or status = 'error')"
          ~ ' and execution_id not in (select execution_id from ' ~ q ~ ') order by start_time') -%}
    {%- set ids = [] -%}
    {%- for row in missing.rows -%}{%- do ids.append(row[0]) -%}{%- endfor -%}
    {%- do gen_sync_enqueue(wf, ids) -%}
    {%- do queued.extend(ids) -%}
  {%- endfor -%}
  {%- do log('gen-sync-backfill ' ~ tojson({'queued': queued}), info=true) -%}
{% endmacro %}
