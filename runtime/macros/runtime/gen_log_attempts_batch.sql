{#- The attempt-log rows of every call of a batch in one statement (fan-out, and gen_log_attempts for one call). entries:
    [{execution_id, call_number, request, result}]. -#}
{% macro gen_log_attempts_batch(wf, step, entries) %}
  {%- set rows = [] -%}
  {%- for e in entries -%}
    {%- set result = e['result'] -%}
    {%- for a in result['attempts'] -%}
      {#- the response is the call's, on its last attempt -#}
      {%- do rows.append({
          'execution_id': e['execution_id'],
          'call_number': e['call_number'],
          'attempt': a['attempt'],
          'http_method': e['request']['method'],
          'url': e['request']['display_url'],
          'http_status': a['status_code'],
          'outcome': a['outcome'],
          'latency_ms': a['latency_ms'] | int,
          'error': a['error'],
          'response': (result['body'] if result['body'] is not none else result['text']) if loop.last else none}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- do gen_insert_attempt_rows(wf, rows, {'workflow': gen_sql_string(wf['name']), 'step': gen_sql_string(step['name']),
                                             'step_index': step['index'] | string, 'logged_at': gen_current_timestamp()}) -%}
{% endmacro %}
