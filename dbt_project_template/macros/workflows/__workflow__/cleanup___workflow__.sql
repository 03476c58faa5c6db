{#- dbt run-operation << wf.names.cleanupOperation >> : <% if wf.definition.state.archive_table %>moves to the archive tables<% else %>deletes<% endif %> completed executions older than << wf.definition.state.retention_days >> days
    (also done at the start of every stateful run). -#}
{% macro << wf.names.cleanupOperation >>() %}
  {%- do gen_ensure_state_tables(<< wf.names.definitionMacro >>()) -%}
  {%- do gen_cleanup_state(<< wf.names.definitionMacro >>()) -%}
  {{ log('<% if wf.definition.state.archive_table %>Archived<% else %>Cleaned up<% endif %> completed executions of << wf.name >> older than << wf.definition.state.retention_days >> days.', info=true) }}
{% endmacro %}
