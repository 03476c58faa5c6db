{#- dbt run-operation cleanup_orders_export : deletes completed executions older than 30 days
    (also done at the start of every stateful run). -#}
{% macro cleanup_orders_export() %}
  {%- do gen_ensure_state_tables(orders_export__definition()) -%}
  {%- do gen_cleanup_state(orders_export__definition()) -%}
  {{ log('Cleaned up completed executions of orders_export older than 30 days.', info=true) }}
{% endmacro %}
