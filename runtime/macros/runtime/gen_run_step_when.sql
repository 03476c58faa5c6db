{#- Runs a step when its condition holds (gen_step_condition), else records it as skipped and goes on.
    Keeps ctx['flags'], the flags the execution has set, for the conditions of later steps: read from the
    state row first (a resumed execution keeps the flags of its earlier steps), in memory in stateless mode.
    Returns gen_run_step's result; a skipped step returns ok with 'skipped': true and no outputs. -#}
{% macro gen_run_step_when(wf, step, ctx, execution_id, stateful) %}
  {%- if 'flags' not in ctx -%}
    {%- do ctx.update({'flags': gen_state_flags(wf, execution_id) if stateful else {}}) -%}
  {%- endif -%}
  {%- set condition = gen_step_condition(step, ctx) -%}
  {%- if not condition['run'] -%}
    {%- do gen_skip_step(wf, step, execution_id, stateful, condition['reason']) -%}
    {{ return({'ok': true, 'skipped': true, 'error': none, 'outputs': {}, 'response': none,
               'calls': 0, 'attempts': 0, 'polls': 0}) }}
  {%- endif -%}
  {%- set outcome = gen_run_step(wf, step, ctx, execution_id, stateful) -%}
  {%- if outcome['ok'] -%}
    {%- for f in step['flags_on_start'] + step['flags_on_success'] -%}{%- do ctx['flags'].update({f: true}) -%}{%- endfor -%}
  {%- endif -%}
  {{ return(outcome) }}
{% endmacro %}
