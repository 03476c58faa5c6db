{#- What a polled status means: 'success', 'failure' or 'pending' (the step's lists, checked in that order),
    'unexpected' (in none of them) or 'missing' (the response has no status). A status matches a listed value
    of the same JSON type only: true is not "true", 1 is not "1" (and, unlike Python, true is not 1). -#}
{% macro gen_poll_outcome(poll, status) %}
  {%- if status is none -%}{{ return('missing') }}{%- endif -%}
  {%- for outcome in ['success', 'failure', 'pending'] -%}
    {%- for listed in poll[outcome] -%}
      {%- if gen_json_kind(listed) == gen_json_kind(status) and listed == status -%}{{ return(outcome) }}{%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return('unexpected') }}
{% endmacro %}

{#- The JSON type of a parsed value; booleans first, since Jinja counts them as numbers. -#}
{% macro gen_json_kind(value) %}
  {%- if value is boolean -%}{{ return('boolean') }}
  {%- elif value is number -%}{{ return('number') }}
  {%- elif value is string -%}{{ return('string') }}
  {%- elif value is mapping -%}{{ return('object') }}
  {%- elif value is none -%}{{ return('null') }}
  {%- else -%}{{ return('array') }}
  {%- endif -%}
{% endmacro %}
