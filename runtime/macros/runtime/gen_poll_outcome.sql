{#- What a polled status means: 'success', 'failure' or 'pending' (the step's lists, checked in that order),
    'unexpected' (in none of them) or 'missing' (the response has no status). -#}
{% macro gen_poll_outcome(poll, status) %}
  {%- if status is none -%}{{ return('missing') }}{%- endif -%}
  {%- for outcome in ['success', 'failure', 'pending'] -%}
    {%- if status in poll[outcome] -%}{{ return(outcome) }}{%- endif -%}
  {%- endfor -%}
  {{ return('unexpected') }}
{% endmacro %}
