{#- An unfinished execution older than stuck_after_hours is given up: marked error, so that a new one starts;
    not while a run holds it (its lease is renewed with each state write). -#}
{% macro gen_mark_stuck_executions(wf) %}
  {%- set hours = wf['state']['stuck_after_hours'] -%}
  {%- do dbt.run_query('update ' ~ gen_relation(wf['state']['table']) ~ " set status = 'error', end_time = " ~ gen_current_timestamp()
      ~ ', error_message = ' ~ gen_sql_string('stuck: not finished within ' ~ hours ~ ' hours; a new execution was started')
      ~ ' where workflow = ' ~ gen_sql_string(wf['name']) ~ " and completed = false and status <> 'error' and start_time < "
      ~ dbt.dateadd('minute', -((hours * 60) | int), gen_current_timestamp())
      ~ ' and ' ~ gen_lease_takeable_sql()) -%}
{% endmacro %}
