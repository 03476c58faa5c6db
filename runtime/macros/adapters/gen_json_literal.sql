{#- A JSON value as a SQL expression of the adapter's JSON type (NULL for none). -#}
{% macro gen_json_literal(value) %}
  {{ return(adapter.dispatch('gen_json_literal', gen_package_name())(value)) }}
{% endmacro %}

{% macro default__gen_json_literal(value) %}
  {%- if value is none -%}{{ return('null') }}{%- endif -%}
  {{ return('cast(' ~ gen_sql_string(tojson(value)) ~ ' as ' ~ gen_type_json() ~ ')') }}
{% endmacro %}

{#- Snowflake: VARIANT from JSON text. PARSE_JSON is a function call, so callers never put it in a VALUES
    clause (Snowflake rejects that); gen's inserts are INSERT ... SELECT. -#}
{% macro snowflake__gen_json_literal(value) %}
  {%- if value is none -%}{{ return('null') }}{%- endif -%}
  {{ return('parse_json(' ~ gen_sql_string(tojson(value)) ~ ')') }}
{% endmacro %}
