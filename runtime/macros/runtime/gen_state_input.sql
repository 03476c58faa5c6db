{#- The input an execution started with, from its state row: a resumed execution goes on with the values its
    run was given, not with the values of the run that resumes it. none when the row holds no input. -#}
{% macro gen_state_input(wf, execution_id) %}
  {%- set rows = dbt.run_query("select 's:' || " ~ gen_json_text(wf['state']['input_column']) ~ ' from '
      ~ gen_relation(wf['state']['table']) ~ ' where execution_id = ' ~ gen_sql_string(execution_id)).rows -%}
  {%- if rows | length == 0 or rows[0][0] is none -%}{{ return(none) }}{%- endif -%}
  {{ return(fromjson(rows[0][0][2:])) }}
{% endmacro %}
