{#- Runs workflow << wf.name >> (stateless) on `dbt run` / `dbt build` of this model: nothing is persisted
    but this one-row result. The select below only declares the columns (for compile, docs and show);
    the gen_workflow materialization writes the run's result row instead. -#}
{{ config(materialized='gen_workflow', meta={'gen_mode': 'stateless', 'gen_workflow': << wf.names.definitionMacro | jinja_str >>},
          tags=<< wf.tags.stateless | jinja_str_list >>) }}
select
<% for col in wf.resultColumns %>
    cast(null as {{ gen_column_type(<< col.type | jinja_str >>) }}) as << col.name | ident >><% if not loop.last %>,<% endif %>

<% endfor %>
where 1 = 0
