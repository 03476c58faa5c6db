{#- Deletes completed executions (and their attempt rows) older than the workflow's retention. -#}
{% macro gen_cleanup_state(wf) %}
  {%- set cutoff = dbt.dateadd('day', -(wf['state']['retention_days']), gen_current_timestamp()) -%}
  {%- set state = gen_relation(wf['state']['table']) -%}
  {%- do dbt.run_query('delete from ' ~ gen_relation(wf['state']['attempt_log_table']) ~ ' where execution_id in (select execution_id from '
      ~ state ~ ' where completed = true and start_time < ' ~ cutoff ~ ')') -%}
  {%- do dbt.run_query('delete from ' ~ state ~ ' where completed = true and start_time < ' ~ cutoff) -%}
{% endmacro %}
