{#- Retention: completed executions (and their attempt rows) older than the workflow's retention_days are deleted,
    or, when the workflow archives (state.archive), moved to its archive tables. -#}
{% macro gen_cleanup_state(wf) %}
  {%- set cutoff = dbt.dateadd('day', -(wf['state']['retention_days']), gen_current_timestamp()) -%}
  {%- set state = gen_relation(wf['state']['table']) -%}
  {%- set attempts = gen_relation(wf['state']['attempt_log_table']) -%}
  {%- set expired = 'select execution_id from ' ~ state ~ ' where completed = true and start_time < ' ~ cutoff -%}
  {%- if wf['state'].get('archive_table') -%}
    {%- do gen_archive_state(wf, state, attempts, expired) -%}
  {%- else -%}
    {%- do dbt.run_query('delete from ' ~ attempts ~ ' where execution_id in (' ~ expired ~ ')') -%}
    {%- do dbt.run_query('delete from ' ~ state ~ ' where completed = true and start_time < ' ~ cutoff) -%}
  {%- endif -%}
{% endmacro %}

{#- Moves the expired executions to the archive tables, which have the columns of the tables they archive (the
    workflow definition's, added to as the spec grows, like the state tables). One transaction: a failure leaves
    every row where it was. The executions moved are the state rows copied in the first statement (the ones now
    in both tables), so a row that expires between two statements is neither half moved nor counted twice. -#}
{% macro gen_archive_state(wf, state, attempts, expired) %}
  {%- set state_archive = gen_relation(wf['state']['archive_table']) -%}
  {%- set attempts_archive = gen_relation(wf['state']['attempt_log_archive_table']) -%}
  {%- do gen_ensure_table(state_archive, gen_column_definitions(wf['columns']['state'])) -%}
  {%- do gen_ensure_table(attempts_archive, gen_column_definitions(wf['columns']['attempts'])) -%}
  {%- set state_columns = wf['columns']['state'] | map(attribute='name') | join(', ') -%}
  {%- set attempt_columns = wf['columns']['attempts'] | map(attribute='name') | join(', ') -%}
  {%- set moved = 'select execution_id from ' ~ state ~ ' where execution_id in (select execution_id from '
      ~ state_archive ~ ')' -%}
  {%- do dbt.run_query('begin transaction') -%}
  {%- do dbt.run_query('insert into ' ~ state_archive ~ ' (' ~ state_columns ~ ') select ' ~ state_columns
      ~ ' from ' ~ state ~ ' where execution_id in (' ~ expired ~ ')') -%}
  {%- do dbt.run_query('insert into ' ~ attempts_archive ~ ' (' ~ attempt_columns ~ ') select ' ~ attempt_columns
      ~ ' from ' ~ attempts ~ ' where execution_id in (' ~ moved ~ ')') -%}
  {%- do dbt.run_query('delete from ' ~ attempts ~ ' where execution_id in (' ~ moved ~ ')') -%}
  {%- do dbt.run_query('delete from ' ~ state ~ ' where execution_id in (select execution_id from '
      ~ state_archive ~ ')') -%}
  {%- do dbt.run_query('commit') -%}
{% endmacro %}
