{#- dbt run-operation get_orders_export_state [--args '{limit: 20}'] : prints the latest executions. -#}
{% macro get_orders_export_state(limit=10) %}
  {%- set relation = gen_relation('export_runs') -%}
  {%- if adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) is none -%}
    {{ log('No state table yet: run the stateful workflow first (dbt run -s stateful_orders_export).', info=true) }}
    {{ return(none) }}
  {%- endif -%}
  {%- set result = dbt.run_query('select execution_id, status, current_step, steps_completed, poll_count, completed, start_time, end_time, error_message, message from '
      ~ relation ~ ' order by start_time desc limit ' ~ (limit | int)) -%}
  {%- if execute -%}{%- do result.print_table(max_rows=limit | int, max_columns=12, max_column_width=50) -%}{%- endif -%}
  {{ return(result) }}
{% endmacro %}
