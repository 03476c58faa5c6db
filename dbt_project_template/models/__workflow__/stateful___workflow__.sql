{#- Runs workflow << wf.name >> (stateful) on `dbt run` / `dbt build` of this model, then shows its state table.
    `dbt compile`, `dbt show`, `dbt docs generate` and `dbt test` never call the API. -#}
{{ config(materialized='gen_workflow', meta={'gen_mode': 'stateful', 'gen_workflow': << wf.names.definitionMacro | jinja_str >>},
          tags=<< wf.tags.stateful | jinja_str_list >>) }}
<% if wf.forEachModel %>
-- one execution per row of << wf.forEachModel >>; depends_on: {{ ref(<< wf.forEachModel | jinja_str >>) }}
<% endif %>
select * from {{ source(<< wf.name | jinja_str >>, << wf.definition.state.table | jinja_str >>) }}
