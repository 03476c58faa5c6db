{#- dbt run-operation << wf.names.dropOperation >> : drops every table and view of workflow << wf.name >>:<% if wf.stateful %> the state
    table, the attempt log<% if wf.definition.state.archive_table %>, their archive tables<% endif %>, the monitoring views and the stateful model<% endif %><% if wf.stateful and wf.stateless %>, and<% endif %><% if wf.stateless %> the stateless result table<% endif %>. -#}
{% macro << wf.names.dropOperation >>() %}
<% if wf.stateful %>
  {%- for identifier in [<< wf.definition.state.table | jinja_str >>, << wf.definition.state.attempt_log_table | jinja_str >><% if wf.definition.state.archive_table %>, << wf.definition.state.archive_table | jinja_str >>, << wf.definition.state.attempt_log_archive_table | jinja_str >><% endif %>] -%}
    {%- do dbt.run_query('drop table if exists ' ~ gen_relation(identifier)) -%}
  {%- endfor -%}
  {%- for identifier in [<< wf.names.statefulModel | jinja_str >>, << wf.names.successRateModel | jinja_str >>, << wf.names.stuckModel | jinja_str >>, << wf.names.hourlyStatsModel | jinja_str >>] -%}
    {%- do dbt.run_query('drop view if exists ' ~ gen_relation(identifier)) -%}
  {%- endfor -%}
<% endif %>
<% if wf.stateless %>
  {%- do dbt.run_query('drop table if exists ' ~ gen_relation(<< wf.names.statelessModel | jinja_str >>)) -%}
<% endif %>
  {{ log('Dropped the objects of workflow << wf.name >>.', info=true) }}
{% endmacro %}
