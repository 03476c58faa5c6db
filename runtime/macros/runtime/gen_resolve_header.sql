{#- A header value (or basic-auth field) as the HTTP primitive's part list: every reference is resolved into a
    literal {'text': s} part, which the primitive never scans; the spec's own secrets stay {'secret': NAME}. -#}
{% macro gen_resolve_header(parts, ctx) %}
  {%- set out = [] -%}
  {%- for part in parts -%}
    {%- if part.get('secret') is not none -%}
      {%- do out.append({'secret': part['secret']}) -%}
    {%- else -%}
      {%- set text = gen_resolve_text([part], ctx) -%}
      {%- if out and out[-1].get('text') is not none -%}
        {%- do out[-1].update({'text': out[-1]['text'] ~ text}) -%}
      {%- else -%}
        {%- do out.append({'text': text}) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}
