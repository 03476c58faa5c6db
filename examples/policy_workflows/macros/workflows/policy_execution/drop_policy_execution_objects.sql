{#- dbt run-operation drop_policy_execution_objects : drops the state table, the attempt log and the models of policy_execution. -#}
{% macro drop_policy_execution_objects() %}
  {%- for identifier in ['policy_execution_state', 'policy_execution_attempts'] -%}
    {%- do dbt.run_query('drop table if exists ' ~ gen_relation(identifier)) -%}
  {%- endfor -%}
  {%- for identifier in ['stateful_policy_execution', 'policy_execution_success_rate_24h', 'policy_execution_stuck_executions', 'policy_execution_hourly_stats'] -%}
    {%- do dbt.run_query('drop view if exists ' ~ gen_relation(identifier)) -%}
  {%- endfor -%}
  {{ log('Dropped the objects of workflow policy_execution.', info=true) }}
{% endmacro %}
