{#- Appends one row per HTTP attempt of a call, in one statement, before the state row moves on. -#}
{% macro gen_log_attempts(wf, execution_id, step, call_number, request, result) %}
  {%- set columns = wf['columns']['attempts'] -%}
  {%- set rows = [] -%}
  {%- for a in result['attempts'] -%}
    {%- set is_last = loop.last -%}
    {%- set values = {
        'execution_id': gen_sql_string(execution_id),
        'workflow': gen_sql_string(wf['name']),
        'step': gen_sql_string(step['name']),
        'step_index': step['index'] | string,
        'call_number': call_number | string,
        'attempt': a['attempt'] | string,
        'http_method': gen_sql_string(request['method']),
        'url': gen_sql_string(request['display_url']),
        'http_status': (a['status_code'] | string) if a['status_code'] is not none else 'null',
        'outcome': gen_sql_string(a['outcome']),
        'latency_ms': (a['latency_ms'] | int) | string,
        'error': gen_sql_string(a['error']) if a['error'] is not none else 'null',
        'response': gen_json_literal(result['body'] if is_last and result['body'] is not none
                                     else (result['text'] if is_last else none)),
        'logged_at': gen_current_timestamp()} -%}
    {%- do rows.append('select ' ~ gen_row_values(columns, values) | join(', ')) -%}
  {%- endfor -%}
  {%- if rows | length > 0 -%}
    {%- do dbt.run_query('insert into ' ~ gen_relation(wf['state']['attempt_log_table'])
        ~ ' (' ~ columns | map(attribute='name') | join(', ') ~ ') ' ~ rows | join(' union all ')) -%}
  {%- endif -%}
{% endmacro %}
