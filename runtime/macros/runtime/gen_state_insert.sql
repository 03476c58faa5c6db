{#- A new execution (gen_new_execution_values), held by this run from the start. -#}
{% macro gen_state_insert(wf, execution_id, input) %}
  {%- set values = {'execution_id': gen_sql_string(execution_id)} -%}
  {%- do values.update(gen_new_execution_values(wf, input)) -%}
  {#- insert ... select, not values: Snowflake accepts no function call (parse_json) in a VALUES clause -#}
  {%- do dbt.run_query('insert into ' ~ gen_relation(wf['state']['table']) ~ ' (' ~ values.keys() | join(', ')
                   ~ ') select ' ~ values.values() | join(', ')) -%}
{% endmacro %}
