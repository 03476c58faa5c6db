{#- The sync queue: every stateful execution that finishes (completed or error) is queued here, once, as a
    database trigger would queue it, and `gen sync` uploads it to Snowflake with
    retries (reading and writing this table directly, without dbt). One row per execution: pending ->
    processing -> completed, or back to pending with a growing delay after a failed upload, and failed after
    max_retries attempts. -#}

{% macro gen_sync_queue_relation() %}{{ return(gen_relation('gen_sync_queue')) }}{% endmacro %}

{% macro gen_sync_settings() %}
  {{ return({
      'max_retries': var('gen_sync_max_retries', << project.sync.max_retries >>) | int,
      'backoff_s': var('gen_sync_backoff_s', << project.sync.backoff_s >>) | float,
      'batch_size': var('gen_sync_batch_size', << project.sync.batch_size >>) | int,
  }) }}
{% endmacro %}

{#- The definitions of the workflows whose executions are synced (the stateful ones the sync block selects). -#}
{% macro gen_sync_workflows() %}
  {{ return([<% for t in project.sync.tables %><< t.definitionMacro >>()<% if not loop.last %>, <% endif %><% endfor %>]) }}
{% endmacro %}

{% macro gen_ensure_sync_queue() %}
  {%- set s = gen_type_string() -%}
  {%- set ts = gen_type_timestamp() -%}
  {%- do gen_ensure_schema(gen_sync_queue_relation()) -%}
  {%- do gen_ensure_table(gen_sync_queue_relation(),
        ['execution_id ' ~ s ~ ' not null', 'workflow ' ~ s, 'status ' ~ s, 'retry_count integer',
         'max_retries integer', 'error_message ' ~ s, 'created_at ' ~ ts, 'updated_at ' ~ ts, 'next_attempt_at ' ~ ts,
         'processed_at ' ~ ts]) -%}
{% endmacro %}

{#- on-run-start: the queue exists before any model (and the monitoring views over it) runs. -#}
{% macro gen_sync_on_run_start() %}
  {%- if gen_runs_nodes() -%}{%- do gen_ensure_sync_queue() -%}{%- endif -%}
  {{ return('') }}
{% endmacro %}

{#- Whether this target's executions are queued: everywhere but on Snowflake, where the state tables already
    are what sync would make (--vars '{gen_sync: true}' or false to choose). -#}
{% macro gen_sync_enabled() %}{{ return(adapter.dispatch('gen_sync_enabled', << ns >>)()) }}{% endmacro %}
{% macro default__gen_sync_enabled() %}{{ return(var('gen_sync', true)) }}{% endmacro %}
{% macro snowflake__gen_sync_enabled() %}{{ return(var('gen_sync', false)) }}{% endmacro %}

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
    {%- for row in missing.rows -%}
      {%- do gen_sync_enqueue(wf, row[0]) -%}
      {%- do queued.append(row[0]) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- do log('gen-sync-backfill ' ~ tojson({'queued': queued}), info=true) -%}
{% endmacro %}
