{#- What a step whose condition did not hold writes for one execution: {'state': the state row's assignments
    (it moves past the step, its message saying why), 'attempt': the attempt-log row with outcome 'skipped'
    (no call was made, so the columns of a call are null)}. One execution (gen_skip_step) or a batch of
    fan-out rows writes them. -#}
{% macro gen_skip_record(wf, step, execution_id, reason) %}
  {%- set state = {'current_step': gen_sql_string(step['name']),
                   'steps_completed': (step['index'] + 1) | string,
                   'message': gen_sql_string('Step ' ~ (step['index'] + 1) ~ ' ' ~ step['name'] ~ ' skipped: ' ~ reason)} -%}
  {%- set attempt = {
      'execution_id': gen_sql_string(execution_id),
      'workflow': gen_sql_string(wf['name']),
      'step': gen_sql_string(step['name']),
      'step_index': step['index'] | string,
      'outcome': "'skipped'",
      'latency_ms': '0',
      'logged_at': gen_current_timestamp()} -%}
  {%- for c in wf['columns']['attempts'] if c['name'] not in attempt -%}
    {%- do attempt.update({c['name']: 'cast(null as ' ~ gen_column_type(c['type']) ~ ')'}) -%}
  {%- endfor -%}
  {{ return({'state': state, 'attempt': attempt}) }}
{% endmacro %}
