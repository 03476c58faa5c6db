{#- dbt run-operation run_policy_execution [--args '{mode: stateless}']
    Runs workflow policy_execution outside of a model; fails (non-zero exit) when the workflow fails. -#}
{% macro run_policy_execution(mode='stateful') %}
  {%- if mode not in ['stateful', 'stateless'] -%}
    {{ exceptions.raise_compiler_error("gen: workflow policy_execution has no mode '" ~ mode ~ "'") }}
  {%- endif -%}
  {%- set result = gen_run_workflow(policy_execution__definition(), mode) -%}
  {%- if not result['ok'] -%}
    {{ exceptions.raise_compiler_error('gen: workflow policy_execution (' ~ mode ~ ', execution ' ~ result['execution_id'] ~ ') failed at ' ~ result['error']) }}
  {%- endif -%}
  {{ log('Workflow result: ' ~ result['message'], info=true) }}
  {{ return(result['execution_id']) }}
{% endmacro %}
