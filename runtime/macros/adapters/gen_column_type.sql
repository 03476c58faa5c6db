{#- The SQL type of a column type of the plan (string, integer, number, timestamp, boolean, json): every column gen's
    runtime creates gets its type here. -#}
{% macro gen_column_type(type) %}{{ return(adapter.dispatch('gen_column_type', gen_package_name())(type)) }}{% endmacro %}

{% macro default__gen_column_type(type) %}
  {%- set types = {'string': 'varchar', 'integer': 'integer', 'number': 'double', 'timestamp': 'timestamp', 'boolean': 'boolean', 'json': 'json'} -%}
  {%- if type not in types -%}{{ exceptions.raise_compiler_error('gen: unknown column type ' ~ type) }}{%- endif -%}
  {{ return(types[type]) }}
{% endmacro %}

{#- Snowflake: JSON in VARIANT, naive UTC timestamps in TIMESTAMP_NTZ, numbers in FLOAT (a double, like JSON's). -#}
{% macro snowflake__gen_column_type(type) %}
  {%- set types = {'string': 'varchar', 'integer': 'integer', 'number': 'float', 'timestamp': 'timestamp_ntz', 'boolean': 'boolean', 'json': 'variant'} -%}
  {%- if type not in types -%}{{ exceptions.raise_compiler_error('gen: unknown column type ' ~ type) }}{%- endif -%}
  {{ return(types[type]) }}
{% endmacro %}
