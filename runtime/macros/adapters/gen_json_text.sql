{#- A SQL expression of the adapter's JSON type (a column) as JSON text. -#}
{% macro gen_json_text(expression) %}
  {{ return(adapter.dispatch('gen_json_text', gen_package_name())(expression)) }}
{% endmacro %}

{% macro default__gen_json_text(expression) %}
  {{ return('cast(' ~ expression ~ ' as ' ~ gen_type_string() ~ ')') }}
{% endmacro %}

{#- Snowflake: VARIANT to JSON text (a cast to VARCHAR would give a string value without its quotes). -#}
{% macro snowflake__gen_json_text(expression) %}
  {{ return('to_json(' ~ expression ~ ')') }}
{% endmacro %}
