{#- A SQL string literal for any text. DuckDB follows the standard ('' doubles a quote);
    Snowflake also treats backslash as an escape character inside '...'. -#}
{% macro gen_sql_string(value) %}
  {{ return(adapter.dispatch('gen_sql_string', gen_package_name())(value)) }}
{% endmacro %}

{% macro default__gen_sql_string(value) %}
  {{ return("'" ~ (value | string).replace("'", "''") ~ "'") }}
{% endmacro %}

{#- Snowflake: a backslash starts an escape sequence inside '...', so it is doubled as well as the quote. -#}
{% macro snowflake__gen_sql_string(value) %}
  {{ return("'" ~ (value | string).replace('\\', '\\\\').replace("'", "''") ~ "'") }}
{% endmacro %}
