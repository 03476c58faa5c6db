{#- Runs workflow policy_execution (stateful) on `dbt run` / `dbt build` of this model, then shows its state table.
    `dbt compile`, `dbt show`, `dbt docs generate` and `dbt test` never call the API. -#}
{{ config(materialized='gen_workflow', meta={'gen_mode': 'stateful', 'gen_workflow': 'policy_execution__definition'},
          tags=['gen', 'gen_stateful']) }}
select * from {{ gen_relation('policy_execution_state') }}
