{#- dbt run-operation run_orders_export [--args '{mode: stateless}']
    Runs workflow orders_export outside of a model; fails (non-zero exit) when the workflow fails. -#}
{% macro run_orders_export(mode='stateful') %}
  {%- if mode not in ['stateful', 'stateless'] -%}
    {{ exceptions.raise_compiler_error("gen: workflow orders_export has no mode '" ~ mode ~ "'") }}
  {%- endif -%}
  {%- set result = gen_run_workflow(orders_export__definition(), mode) -%}
  {%- if not result['ok'] -%}
    {{ exceptions.raise_compiler_error('gen: workflow orders_export (' ~ mode ~ ', execution ' ~ result['execution_id'] ~ ') failed at ' ~ result['error']) }}
  {%- endif -%}
  {{ log('Workflow result: ' ~ result['message'], info=true) }}
  {{ return(result['execution_id']) }}
{% endmacro %}
