{#- Records a step whose condition did not hold (gen_skip_record): the state row moves past it with a message
    saying why, and the attempt log gets one row with outcome 'skipped'. Stateless mode only logs it. -#}
{% macro gen_skip_step(wf, step, execution_id, stateful, reason) %}
  {{ log(gen_log_prefix(wf, execution_id) ~ 'step ' ~ (step['index'] + 1) ~ '/' ~ wf['steps'] | length ~ ' '
         ~ step['name'] ~ ' skipped: ' ~ reason, info=true) }}
  {%- if stateful -%}
    {%- set record = gen_skip_record(wf, step, execution_id, reason) -%}
    {%- do gen_state_update_batch(wf, [execution_id], {}, {execution_id: record['state']}) -%}
    {%- do gen_insert_attempt_rows(wf, [record['attempt']], gen_skip_shared(wf, step)) -%}
  {%- endif -%}
{% endmacro %}
