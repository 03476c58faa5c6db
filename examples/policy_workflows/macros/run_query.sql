{#- `dbt run-operation run_query --args '{sql: "select * from policy_execution_state"}'` prints the rows.
    Called from other macros it behaves like dbt's run_query (returns the table, prints nothing);
    gen's own macros call dbt.run_query directly. -#}
{% macro run_query(sql) %}
  {%- set result = dbt.run_query(sql) -%}
  {%- if execute and result is not none and invocation_args_dict.get('macro') == 'run_query' -%}
    {%- do result.print_table(max_rows=100, max_columns=30, max_column_width=60) -%}
  {%- endif -%}
  {{ return(result) }}
{% endmacro %}
