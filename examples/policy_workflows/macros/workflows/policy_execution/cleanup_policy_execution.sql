{#- dbt run-operation cleanup_policy_execution : deletes completed executions older than 7 days
    (also done at the start of every stateful run). -#}
{% macro cleanup_policy_execution() %}
  {%- do gen_ensure_state_tables(policy_execution__definition()) -%}
  {%- do gen_cleanup_state(policy_execution__definition()) -%}
  {{ log('Cleaned up completed executions of policy_execution older than 7 days.', info=true) }}
{% endmacro %}
