{#- Runs workflow orders_export (stateful) on `dbt run` / `dbt build` of this model, then shows its state table.
    `dbt compile`, `dbt show`, `dbt docs generate` and `dbt test` never call the API. -#}
{{ config(materialized='gen_workflow', meta={'gen_mode': 'stateful', 'gen_workflow': 'orders_export__definition'},
          tags=['gen', 'gen_stateful', 'nightly']) }}
select * from {{ gen_relation('export_runs') }}
