{#- One statement per state transition: the row moves atomically or not at all. -#}
{% macro gen_state_update(wf, execution_id, assignments) %}
  {%- set sets = [] -%}
  {%- for col, expr in assignments.items() -%}{%- do sets.append(col ~ ' = ' ~ expr) -%}{%- endfor -%}
  {%- do dbt.run_query('update ' ~ gen_relation(wf['state']['table']) ~ ' set ' ~ sets | join(', ')
                   ~ ' where execution_id = ' ~ gen_sql_string(execution_id)) -%}
{% endmacro %}
