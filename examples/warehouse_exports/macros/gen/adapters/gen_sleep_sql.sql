{#- The sleep primitive: the second thing that differs per adapter. -#}
{% macro gen_sleep_sql(seconds) %}
  {{ return(adapter.dispatch('gen_sleep_sql', 'warehouse_exports')(seconds)) }}
{% endmacro %}

{% macro default__gen_sleep_sql(seconds) %}
  {{ exceptions.raise_compiler_error("gen: no sleep primitive for adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}

{% macro duckdb__gen_sleep_sql(seconds) %}
  {{ return('select gen_sleep(' ~ (seconds | float) ~ ') as slept') }}
{% endmacro %}
