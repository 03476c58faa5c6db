{#- The sync queue (seed 004): every stateful execution that finishes (completed or error) is queued here, the
    way the seed's database trigger queues a finished execution, and `gen sync` uploads it to Snowflake with
    retries. One row per execution: pending -> processing -> completed, or back to pending with a growing
    delay after a failed upload, and failed after max_retries attempts. -#}

{% macro gen_sync_queue_relation() %}{{ return(gen_relation('gen_sync_queue')) }}{% endmacro %}

{% macro gen_sync_settings() %}
  {{ return({
      'max_retries': var('gen_sync_max_retries', 3) | int,
      'backoff_s': var('gen_sync_backoff_s', 30) | float,
      'batch_size': var('gen_sync_batch_size', 50) | int,
  }) }}
{% endmacro %}

{#- The definitions of the workflows whose executions are synced (the stateful ones). -#}
{% macro gen_sync_workflows() %}
  {{ return([policy_execution__definition()]) }}
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
{% macro gen_sync_enabled() %}{{ return(adapter.dispatch('gen_sync_enabled', 'policy_workflows')()) }}{% endmacro %}
{% macro default__gen_sync_enabled() %}{{ return(var('gen_sync', true)) }}{% endmacro %}
{% macro snowflake__gen_sync_enabled() %}{{ return(var('gen_sync', false)) }}{% endmacro %}

{#- Queues a finished execution, once: a later run that queues it again changes nothing. -#}
{% macro gen_sync_enqueue(wf, execution_id) %}
  {%- if not gen_sync_enabled() -%}{{ return('') }}{%- endif -%}
  {%- set q = gen_sync_queue_relation() -%}
  {%- set id = gen_sql_string(execution_id) -%}
  {%- do dbt.run_query('insert into ' ~ q ~ ' (execution_id, workflow, status, retry_count, max_retries, created_at, updated_at)'
        ~ ' select ' ~ id ~ ', ' ~ gen_sql_string(wf['name']) ~ ", 'pending', 0, " ~ gen_sync_settings().max_retries
        ~ ', ' ~ gen_current_timestamp() ~ ', ' ~ gen_current_timestamp()
        ~ ' where not exists (select 1 from ' ~ q ~ ' where execution_id = ' ~ id ~ ')') -%}
{% endmacro %}

{#- `dbt run-operation gen_sync_claim`: marks up to batch_size due items `processing` and prints them, each with its
    state row and attempt rows, as one line `gen-sync-batch {...}` for `gen sync`. Items left `processing` for
    15 minutes (a sync that died) are due again. -#}
{% macro gen_sync_claim(limit=none) %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- do gen_ensure_sync_queue() -%}
  {%- set q = gen_sync_queue_relation() -%}
  {%- set now = gen_current_timestamp() -%}
  {%- do dbt.run_query('update ' ~ q ~ " set status = 'pending', updated_at = " ~ now ~ " where status = 'processing' and updated_at < "
        ~ dbt.dateadd('minute', -15, now)) -%}
  {%- set due = gen_rows_as_dicts(dbt.run_query('select execution_id, workflow, retry_count, max_retries from ' ~ q
        ~ " where status = 'pending' and (next_attempt_at is null or next_attempt_at <= " ~ now ~ ')'
        ~ ' order by created_at, execution_id limit ' ~ (limit or gen_sync_settings().batch_size) | int)) -%}
  {%- set by_name = {} -%}
  {%- for wf in gen_sync_workflows() -%}{%- do by_name.update({wf['name']: wf}) -%}{%- endfor -%}
  {%- set items = [] -%}
  {%- for item in due -%}
    {%- do dbt.run_query('update ' ~ q ~ " set status = 'processing', updated_at = " ~ now ~ ' where execution_id = ' ~ gen_sql_string(item.execution_id)) -%}
    {%- set wf = by_name.get(item.workflow) -%}
    {%- set id = gen_sql_string(item.execution_id) -%}
    {%- if wf is none -%}
      {%- do items.append(dict(item, state=none, attempts=[], error='workflow ' ~ item.workflow ~ ' is no longer in the spec')) -%}
    {%- else -%}
      {%- set state = gen_rows_as_dicts(dbt.run_query('select * from ' ~ gen_relation(wf['state']['table']) ~ ' where execution_id = ' ~ id)) -%}
      {%- set attempts = gen_rows_as_dicts(dbt.run_query('select * from ' ~ gen_relation(wf['state']['attempt_log_table'])
            ~ ' where execution_id = ' ~ id ~ ' order by logged_at, call_number, attempt')) -%}
      {%- do items.append(dict(item, state=(state[0] if state else none), attempts=attempts,
            error=(none if state else 'execution ' ~ item.execution_id ~ ' is no longer in ' ~ wf['state']['table']))) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do log('gen-sync-batch ' ~ tojson({'items': items}), info=true) -%}
  {{ return(items) }}
{% endmacro %}

{#- `dbt run-operation gen_sync_finish --args '{results: [{execution_id, ok, error, retry_count}]}'`: records the outcome of each
    upload. A failure waits backoff_s * 2^retries before the next try, and is final after max_retries. -#}
{% macro gen_sync_finish(results) %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set q = gen_sync_queue_relation() -%}
  {%- set now = gen_current_timestamp() -%}
  {%- for r in results -%}
    {%- set where = ' where execution_id = ' ~ gen_sql_string(r['execution_id']) -%}
    {%- if r['ok'] -%}
      {%- do dbt.run_query('update ' ~ q ~ " set status = 'completed', error_message = null, processed_at = " ~ now
            ~ ', updated_at = ' ~ now ~ where) -%}
    {%- else -%}
      {%- set retries = (r.get('retry_count') or 0) | int -%}
      {%- set delay = (gen_sync_settings().backoff_s * (2 ** retries)) | int -%}
      {%- do dbt.run_query('update ' ~ q ~ ' set retry_count = retry_count + 1, error_message = '
            ~ gen_sql_string((r.get('error') or 'failed') | string) ~ ', updated_at = ' ~ now
            ~ ", status = case when retry_count + 1 >= max_retries then 'failed' else 'pending' end"
            ~ ', next_attempt_at = ' ~ dbt.dateadd('second', delay, now) ~ where) -%}
    {%- endif -%}
  {%- endfor -%}
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

{#- `dbt run-operation gen_sync_retry [--args '{execution_id: ...}']`: a failed item (or every one) is pending again,
    with its retries reset. -#}
{% macro gen_sync_retry(execution_id=none) %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- do gen_ensure_sync_queue() -%}
  {%- do dbt.run_query('update ' ~ gen_sync_queue_relation() ~ " set status = 'pending', retry_count = 0, next_attempt_at = null, updated_at = "
        ~ gen_current_timestamp() ~ " where status = 'failed'" ~ (' and execution_id = ' ~ gen_sql_string(execution_id) if execution_id else '')) -%}
{% endmacro %}

{#- `dbt run-operation gen_sync_status`: queue counts by status and the failed items, as `gen-sync-status {...}`. -#}
{% macro gen_sync_status() %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- do gen_ensure_sync_queue() -%}
  {%- set q = gen_sync_queue_relation() -%}
  {%- set counts = {'pending': 0, 'processing': 0, 'completed': 0, 'failed': 0} -%}
  {%- for row in gen_rows_as_dicts(dbt.run_query('select status, count(*) as n from ' ~ q ~ ' group by status')) -%}
    {%- do counts.update({row.status: row.n}) -%}
  {%- endfor -%}
  {%- set failed = gen_rows_as_dicts(dbt.run_query('select execution_id, workflow, retry_count, error_message, updated_at from '
        ~ q ~ " where status = 'failed' order by updated_at desc limit 50")) -%}
  {%- set waiting = gen_rows_as_dicts(dbt.run_query('select execution_id, retry_count, error_message, next_attempt_at from '
        ~ q ~ " where status = 'pending' and retry_count > 0 order by next_attempt_at limit 50")) -%}
  {%- do log('gen-sync-status ' ~ tojson({'counts': counts, 'failed': failed, 'retrying': waiting}), info=true) -%}
{% endmacro %}
