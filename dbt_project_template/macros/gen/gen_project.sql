{#- The facts about this project that gen's runtime (macros/gen/) reads; with auto_restart or sync in the spec,
    their settings too (gen_restart_settings.sql, gen_sync_settings.sql). Everything else in the runtime is the
    same in every generated project. -#}

{#- The package that holds gen's runtime: the namespace of its adapter.dispatch calls, so that dispatch finds
    the runtime's default__/snowflake__/duckdb__ macros whether this project is run itself or installed as a
    package in another project. -#}
{% macro gen_package_name() %}{{ return(<< project.name | jinja_str >>) }}{% endmacro %}

{#- sync: whether finished executions are queued for `gen sync`.
    http_procedure: the Snowflake procedure that makes HTTP calls, unless --vars sets gen_http_procedure.
    http_batch_procedure: the one that makes the HTTP calls of a for_each step (many per CALL; the setup creates
    it when a workflow has for_each), unless --vars sets gen_http_batch_procedure. -#}
{% macro gen_project_settings() %}
<% set o = project.snowflake.objects %>
<% if o.schema and '.' in o.schema %>
  {%- set prefix = '' -%}
<% elif o.schema %>
  {%- set prefix = target.database ~ '.' -%}
<% else %>
  {%- set prefix = target.database ~ '.' ~ target.schema ~ '.' -%}
<% endif %>
  {{ return({'sync': <% if project.sync %>true<% else %>false<% endif %>,
             'http_procedure': prefix ~ << o.procedure | jinja_str >>,
             'http_batch_procedure': prefix ~ << o.batchProcedure | jinja_str >>}) }}
{% endmacro %}
