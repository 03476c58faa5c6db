{#- Runs workflow << wf.name >> (stateful) on `dbt run` / `dbt build` of this model, then shows its state table.
    `dbt compile`, `dbt show`, `dbt docs generate` and `dbt test` never call the API. -#}
{{ config(materialized='gen_workflow', gen_mode='stateful', gen_workflow=<< wf.names.definitionMacro | jinja_str >>,
          tags=<< (['gen', 'gen_stateful'] + wf.tags) | jinja_literal >>) }}
select * from {{ gen_relation(<< wf.definition.state.table | jinja_str >>) }}
