{#- dbt run-operation << wf.names.dropOperation >> : drops the state table, the attempt log and the models of << wf.name >>. -#}
{% macro << wf.names.dropOperation >>() %}
  {%- for identifier in [<< wf.definition.state.table | jinja_str >>, << wf.definition.state.attempt_log_table | jinja_str >>] -%}
    {%- do dbt.run_query('drop table if exists ' ~ gen_relation(identifier)) -%}
  {%- endfor -%}
  {%- for identifier in [<< wf.names.statefulModel | jinja_str >>, << wf.names.successRateModel | jinja_str >>, << wf.names.stuckModel | jinja_str >>, << wf.names.hourlyStatsModel | jinja_str >>] -%}
    {%- do dbt.run_query('drop view if exists ' ~ gen_relation(identifier)) -%}
  {%- endfor -%}
  {{ log('Dropped the objects of workflow << wf.name >>.', info=true) }}
{% endmacro %}
