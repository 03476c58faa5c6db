{#- JSONPath lookup over pre-parsed segments (strings are keys, numbers are indexes, negative from the end).
    Returns {'found': bool, 'value': v}. The path was parsed and checked by gen at build time. -#}
{% macro gen_jsonpath(value, segments) %}
  {%- set ns = namespace(cur=value, found=true) -%}
  {%- for seg in segments -%}
    {%- if ns.found -%}
      {%- if seg is number -%}
        {%- if ns.cur is iterable and ns.cur is not string and ns.cur is not mapping
              and seg < (ns.cur | length) and seg >= -(ns.cur | length) -%}
          {%- set ns.cur = ns.cur[seg] -%}
        {%- else -%}
          {%- set ns.found = false -%}
        {%- endif -%}
      {%- elif ns.cur is mapping and seg in ns.cur -%}
        {%- set ns.cur = ns.cur[seg] -%}
      {%- else -%}
        {%- set ns.found = false -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return({'found': ns.found, 'value': ns.cur if ns.found else none}) }}
{% endmacro %}
