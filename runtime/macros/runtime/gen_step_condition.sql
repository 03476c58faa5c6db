{#- Whether a step runs: its `when:` against what the execution knows so far. Returns {'run': bool, 'reason': text}.
    when: {'flag': name}                                 the flag was set by an earlier step (ctx['flags'])
        | {'output': [step, output], 'op': 'equals' | 'not_equals', 'value': json}
    An output is compared by JSON value: an output kept as text ('99.5', 'true') equals the JSON value it spells,
    so a condition reads the same whether the output is stored as text or typed. A missing output (its step was
    skipped) equals nothing. -#}
{% macro gen_step_condition(step, ctx) %}
  {%- set when = step['when'] -%}
  {%- if when is none -%}{{ return({'run': true, 'reason': 'no condition'}) }}{%- endif -%}
  {%- if when.get('flag') is not none -%}
    {%- set is_set = ctx.get('flags', {}).get(when['flag'], false) -%}
    {{ return({'run': is_set, 'reason': 'flag ' ~ when['flag'] ~ (' is set' if is_set else ' is not set')}) }}
  {%- endif -%}
  {%- set label = when['output'] | join('.') -%}
  {%- set outputs = ctx['steps'].get(when['output'][0], {}) -%}
  {%- set found = when['output'][1] in outputs -%}
  {%- set actual = outputs.get(when['output'][1]) -%}
  {%- set expected = when['value'] -%}
  {%- if not found -%}
    {%- set same = false -%}
  {%- elif actual is string and expected is string -%}
    {%- set same = actual == expected -%}
  {%- elif actual is string -%}
    {%- set same = actual == tojson(expected) -%}
  {%- else -%}
    {#- JSON text on both sides: true is not 1, "1" is not 1 -#}
    {%- set same = tojson(actual, sort_keys=true) == tojson(expected, sort_keys=true) -%}
  {%- endif -%}
  {%- set run = same if when['op'] == 'equals' else not same -%}
  {%- set shown = (actual if actual is string else tojson(actual)) if found else '(no value)' -%}
  {{ return({'run': run, 'reason': label ~ ' is ' ~ shown ~ ', ' ~ ('' if run else 'not ') ~ 'as required ('
             ~ ('=' if when['op'] == 'equals' else '!=') ~ ' ' ~ tojson(expected) ~ ')'}) }}
{% endmacro %}
