{#- A value template (request bodies): {'literal': v} | {'object': [[k, vt], ...]} | {'array': [vt, ...]}
    | {'string': parts} | {'value': part} (a whole-value reference keeps its JSON type). -#}
{% macro gen_resolve_value(vt, ctx) %}
  {%- if 'literal' in vt -%}
    {{ return(vt['literal']) }}
  {%- elif 'object' in vt -%}
    {%- set out = {} -%}
    {%- for entry in vt['object'] -%}
      {%- do out.update({entry[0]: gen_resolve_value(entry[1], ctx)}) -%}
    {%- endfor -%}
    {{ return(out) }}
  {%- elif 'array' in vt -%}
    {%- set out = [] -%}
    {%- for item in vt['array'] -%}
      {%- do out.append(gen_resolve_value(item, ctx)) -%}
    {%- endfor -%}
    {{ return(out) }}
  {%- elif 'string' in vt -%}
    {{ return(gen_resolve_text(vt['string'], ctx)) }}
  {%- else -%}
    {{ return(gen_resolve_part(vt['value'], ctx)) }}
  {%- endif -%}
{% endmacro %}
