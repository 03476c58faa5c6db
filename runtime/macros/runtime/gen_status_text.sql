{#- A polled status as messages show it: text as it is, any other JSON value as JSON (true, 1.5), so that
    the boolean true and the text "true" read differently. A list of statuses is joined with ', '. -#}
{% macro gen_status_text(value) %}
  {%- if value is string -%}{{ return(value) }}{%- endif -%}
  {%- if value is sequence and value is not mapping -%}
    {%- set texts = [] -%}
    {%- for v in value -%}{%- do texts.append(gen_status_text(v)) -%}{%- endfor -%}
    {{ return(texts | join(', ')) }}
  {%- endif -%}
  {{ return(tojson(value)) }}
{% endmacro %}
