{#- The columns of both tables are the workflow definition's (columns.state, columns.attempts). -#}
{% macro gen_ensure_state_tables(wf) %}
  {%- do gen_ensure_table(gen_relation(wf['state']['table']), gen_column_definitions(wf['columns']['state'])) -%}
  {%- do gen_ensure_table(gen_relation(wf['state']['attempt_log_table']),
                          gen_column_definitions(wf['columns']['attempts'])) -%}
{% endmacro %}
