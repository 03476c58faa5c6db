{#- Who holds the executions a run works on: the dbt invocation, unique per run of dbt (two overlapping runs,
    a task and a person, or two tasks, never share one). -#}
{% macro gen_lease_owner() %}
  {{ return(invocation_id) }}
{% endmacro %}
