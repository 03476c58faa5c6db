{#- A template as text; encode='url' percent-encodes referenced values (path segments). -#}
{% macro gen_resolve_text(parts, ctx, encode=none) %}
  {%- set out = [] -%}
  {%- for part in parts -%}
    {%- if part.get('text') is not none -%}
      {%- do out.append(part['text']) -%}
    {%- else -%}
      {%- set value = gen_resolve_part(part, ctx) -%}
      {%- set text = value if value is string else tojson(value) -%}
      {%- do out.append(text | urlencode if (encode == 'url' and part.get('ref') is not none) else text) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out | join('')) }}
{% endmacro %}
