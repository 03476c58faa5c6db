{#- The value of a spec's ${env.NAME:-default}: --vars first, then the environment, then the default.
    On Snowflake there is no environment step: dbt Projects on Snowflake has no env_var(), and dbt Core on
    Snowflake behaves the same way, so that one project gives the same answer both ways. -#}
{% macro gen_env_value(name, default) %}
  {{ return(adapter.dispatch('gen_env_value', gen_package_name())(name, default)) }}
{% endmacro %}

{% macro default__gen_env_value(name, default) %}
  {%- set from_var = var(name, none) -%}
  {%- if from_var is not none -%}{{ return(from_var | string) }}{%- endif -%}
  {%- if default is not none -%}{{ return(env_var(name, default)) }}{%- endif -%}
  {{ return(env_var(name)) }}
{% endmacro %}

{% macro snowflake__gen_env_value(name, default) %}
  {%- set from_var = var(name, none) -%}
  {%- if from_var is not none -%}{{ return(from_var | string) }}{%- endif -%}
  {%- if default is not none -%}{{ return(default) }}{%- endif -%}
  {{ exceptions.raise_compiler_error("gen: ${env." ~ name ~ "} has no value: on Snowflake pass it with --vars '{" ~ name ~ ": ...}' (env_var() is not available in dbt Projects on Snowflake)") }}
{% endmacro %}
