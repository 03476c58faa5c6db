{#- `dbt run-operation gen_run_query --args '{sql: "select * from policy_execution_state"}'` prints the rows.
    Called from other macros it returns the table and prints nothing, like dbt's own run_query, which this
    macro calls and does not replace. -#}
{% macro gen_run_query(sql) %}
  {%- set result = dbt.run_query(sql) -%}
  {%- if execute and result is not none and invocation_args_dict.get('macro') == 'gen_run_query' -%}
    {%- do result.print_table(max_rows=100, max_columns=30, max_column_width=60) -%}
  {%- endif -%}
  {{ return(result) }}
{% endmacro %}
