{#- One statement per state transition: the row moves atomically or not at all. It renews this run's lease, and
    moves nothing once another run took the execution over (this run's lease expired). -#}
{% macro gen_state_update(wf, execution_id, assignments) %}
  {%- set sets = [] -%}
  {%- for col, expr in assignments.items() -%}{%- do sets.append(col ~ ' = ' ~ expr) -%}{%- endfor -%}
  {%- do dbt.run_query('update ' ~ gen_relation(wf['state']['table']) ~ ' set ' ~ sets | join(', ')
                   ~ ', lease_expires_at = ' ~ gen_lease_expiry(wf)
                   ~ ' where execution_id = ' ~ gen_sql_string(execution_id)
                   ~ ' and lease_owner = ' ~ gen_sql_string(gen_lease_owner())) -%}
{% endmacro %}
