{#- A template as text; encode='url' percent-encodes referenced values (path segments). A value is one
    segment whatever it holds, an API's answer included: '/' is encoded too (urlencode keeps it), and a value of
    '.' or '..' is encoded so that it cannot climb to another path of the API. -#}
{% macro gen_resolve_text(parts, ctx, encode=none) %}
  {%- set out = [] -%}
  {%- for part in parts -%}
    {%- if part.get('text') is not none -%}
      {%- do out.append(part['text']) -%}
    {%- else -%}
      {%- set value = gen_resolve_part(part, ctx) -%}
      {%- set text = value if value is string else tojson(value) -%}
      {%- if encode == 'url' and part.get('ref') is not none -%}
        {%- set text = '%2E' * (text | length) if text in ['.', '..'] else text | urlencode | replace('/', '%2F') -%}
      {%- endif -%}
      {%- do out.append(text) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out | join('')) }}
{% endmacro %}
