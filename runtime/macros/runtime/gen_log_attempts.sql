{#- Appends one row per HTTP attempt of a call, in one statement, before the state row moves on: a batch of
    one call. -#}
{% macro gen_log_attempts(wf, execution_id, step, call_number, request, result) %}
  {%- do gen_log_attempts_batch(wf, step, [{'execution_id': execution_id, 'call_number': call_number,
                                             'request': request, 'result': result}]) -%}
{% endmacro %}
