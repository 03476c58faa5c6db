{#- dbt run-operation drop_orders_export_objects : drops the state table, the attempt log and the models of orders_export. -#}
{% macro drop_orders_export_objects() %}
  {%- for identifier in ['export_runs', 'export_http_log'] -%}
    {%- do dbt.run_query('drop table if exists ' ~ gen_relation(identifier)) -%}
  {%- endfor -%}
  {%- for identifier in ['stateful_orders_export', 'orders_export_success_rate_24h', 'orders_export_stuck_executions', 'orders_export_hourly_stats'] -%}
    {%- do dbt.run_query('drop view if exists ' ~ gen_relation(identifier)) -%}
  {%- endfor -%}
  {{ log('Dropped the objects of workflow orders_export.', info=true) }}
{% endmacro %}
