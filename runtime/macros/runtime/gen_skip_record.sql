{#- What a step whose condition did not hold writes for one execution, as plain values: {'state': the state row's
    new values (it moves past the step, its message saying why), 'attempt': the attempt-log row with outcome
    'skipped' (no call was made, so the columns of a call are null; workflow, step and time are the batch's:
    gen_skip_shared)}. One execution (gen_skip_step) or a batch of fan-out rows writes them. -#}
{% macro gen_skip_record(wf, step, execution_id, reason) %}
  {{ return({'state': {'current_step': step['name'], 'steps_completed': step['index'] + 1,
                       'message': 'Step ' ~ (step['index'] + 1) ~ ' ' ~ step['name'] ~ ' skipped: ' ~ reason},
             'attempt': {'execution_id': execution_id, 'outcome': 'skipped', 'latency_ms': 0}}) }}
{% endmacro %}
