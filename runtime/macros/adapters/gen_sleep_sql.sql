{#- The sleep primitive: the second thing that differs per adapter. -#}
{% macro gen_sleep_sql(seconds) %}
  {{ return(adapter.dispatch('gen_sleep_sql', gen_package_name())(seconds)) }}
{% endmacro %}

{% macro default__gen_sleep_sql(seconds) %}
  {{ exceptions.raise_compiler_error("gen: no sleep primitive for adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}

{% macro duckdb__gen_sleep_sql(seconds) %}
  {{ return('select gen_sleep(' ~ (seconds | float) ~ ') as slept') }}
{% endmacro %}

{#- Snowflake: SYSTEM$WAIT, in whole milliseconds (it takes an amount and a unit). -#}
{% macro snowflake__gen_sleep_sql(seconds) %}
  {%- set ms = [((seconds | float) * 1000) | round | int, 0] | max -%}
  {{ return('select system$wait(' ~ ms ~ ", 'MILLISECONDS') as slept") }}
{% endmacro %}
