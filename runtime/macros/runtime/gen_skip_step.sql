{#- Records a step whose condition did not hold: the state row moves past it with a message saying why, and
    the attempt log gets one row with outcome 'skipped' (no call was made). Stateless mode only logs it. -#}
{% macro gen_skip_step(wf, step, execution_id, stateful, reason) %}
  {%- set label = 'Step ' ~ (step['index'] + 1) ~ ' ' ~ step['name'] ~ ' skipped: ' ~ reason -%}
  {{ log(gen_log_prefix(wf, execution_id) ~ 'step ' ~ (step['index'] + 1) ~ '/' ~ wf['steps'] | length ~ ' '
         ~ step['name'] ~ ' skipped: ' ~ reason, info=true) }}
  {%- if stateful -%}
    {%- do gen_state_update(wf, execution_id, {'current_step': gen_sql_string(step['name']),
        'steps_completed': (step['index'] + 1) | string, 'message': gen_sql_string(label)}) -%}
    {%- set values = {
        'execution_id': gen_sql_string(execution_id),
        'workflow': gen_sql_string(wf['name']),
        'step': gen_sql_string(step['name']),
        'step_index': step['index'] | string,
        'outcome': "'skipped'",
        'latency_ms': '0',
        'logged_at': gen_current_timestamp()} -%}
    {#- the columns of a call (method, url, status, attempt, ...) have no value: no call was made -#}
    {%- for c in wf['columns']['attempts'] if c['name'] not in values -%}
      {%- do values.update({c['name']: 'cast(null as ' ~ gen_column_type(c['type']) ~ ')'}) -%}
    {%- endfor -%}
    {%- do gen_insert_attempt_rows(wf, [values]) -%}
  {%- endif -%}
{% endmacro %}
