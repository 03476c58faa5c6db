{#- Runs workflow orders_export (stateless) on `dbt run` / `dbt build` of this model: nothing is persisted
    but this one-row result. The select below only declares the columns (for compile, docs and show);
    the gen_workflow materialization writes the run's result row instead. -#}
{{ config(materialized='gen_workflow', meta={'gen_mode': 'stateless', 'gen_workflow': 'orders_export__definition'},
          tags=['gen', 'gen_stateless', 'nightly']) }}
select
    cast(null as {{ gen_column_type('string') }}) as execution_id,
    cast(null as {{ gen_column_type('string') }}) as workflow,
    cast(null as {{ gen_column_type('string') }}) as workflow_status,
    cast(null as {{ gen_column_type('string') }}) as message,
    cast(null as {{ gen_column_type('string') }}) as export_id,
    cast(null as {{ gen_column_type('string') }}) as row_count,
    cast(null as {{ gen_column_type('string') }}) as checksum,
    cast(null as {{ gen_column_type('string') }}) as first_file,
    cast(null as {{ gen_column_type('integer') }}) as steps_completed,
    cast(null as {{ gen_column_type('integer') }}) as http_calls,
    cast(null as {{ gen_column_type('integer') }}) as poll_count,
    cast(null as {{ gen_column_type('integer') }}) as elapsed_ms,
    cast(null as {{ gen_column_type('json') }}) as responses,
    cast(null as {{ gen_column_type('timestamp') }}) as execution_timestamp
where 1 = 0
