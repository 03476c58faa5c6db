{#- A JSON value as a SQL expression of the adapter's JSON type (NULL for none). -#}
{% macro gen_json_literal(value) %}
  {{ return(adapter.dispatch('gen_json_literal', 'policy_workflows')(value)) }}
{% endmacro %}

{% macro default__gen_json_literal(value) %}
  {%- if value is none -%}{{ return('null') }}{%- endif -%}
  {{ return('cast(' ~ gen_sql_string(tojson(value)) ~ ' as ' ~ gen_type_json() ~ ')') }}
{% endmacro %}
