{#- The result of a stateful run that found the workflow's unfinished execution held by another run (two dbt
    runs at once: a task and a person, or two tasks): it leaves the execution to its holder, makes no call and
    succeeds. `holder`: {owner, expires_at} or none. -#}
{% macro gen_held_result(wf, mode, started, execution_id, holder) %}
  {%- set message = 'execution ' ~ execution_id ~ ' is being run by another dbt run'
      ~ (' (' ~ holder['owner'] ~ ', lease until ' ~ holder['expires_at'] ~ ' UTC)' if holder is not none and holder['owner'] else '')
      ~ '; this run leaves it alone' -%}
  {{ log(gen_log_prefix(wf, execution_id) ~ message, info=true) }}
  {{ return(gen_run_result(wf, mode, started, execution_id,
      {'ok': true, 'status': 'held', 'error': none, 'resumed': false, 'http_calls': 0, 'http_attempts': 0, 'polls': 0},
      {'held': true, 'message': message, 'steps': {}})) }}
{% endmacro %}
