{#- The attempt-log rows of every call of a batch in one statement (fan-out, and gen_log_attempts for one call). entries:
    [{execution_id, call_number, request, result}]. -#}
{% macro gen_log_attempts_batch(wf, step, entries) %}
  {%- set rows = [] -%}
  {%- for e in entries -%}
    {%- set result = e['result'] -%}
    {%- for a in result['attempts'] -%}
      {%- set is_last = loop.last -%}
      {%- set values = {
          'execution_id': gen_sql_string(e['execution_id']),
          'workflow': gen_sql_string(wf['name']),
          'step': gen_sql_string(step['name']),
          'step_index': step['index'] | string,
          'call_number': e['call_number'] | string,
          'attempt': a['attempt'] | string,
          'http_method': gen_sql_string(e['request']['method']),
          'url': gen_sql_string(e['request']['display_url']),
          'http_status': (a['status_code'] | string) if a['status_code'] is not none else 'null',
          'outcome': gen_sql_string(a['outcome']),
          'latency_ms': (a['latency_ms'] | int) | string,
          'error': gen_sql_string(a['error']) if a['error'] is not none else 'null',
          'response': gen_json_literal(result['body'] if is_last and result['body'] is not none
                                       else (result['text'] if is_last else none)),
          'logged_at': gen_current_timestamp()} -%}
      {%- do rows.append(values) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- do gen_insert_attempt_rows(wf, rows) -%}
{% endmacro %}
