{#- Column types of the state table and the attempt log. -#}
{% macro gen_type_json() %}{{ return(adapter.dispatch('gen_type_json', 'warehouse_exports')()) }}{% endmacro %}
{% macro default__gen_type_json() %}{{ return('json') }}{% endmacro %}

{% macro gen_type_timestamp() %}{{ return(adapter.dispatch('gen_type_timestamp', 'warehouse_exports')()) }}{% endmacro %}
{% macro default__gen_type_timestamp() %}{{ return('timestamp') }}{% endmacro %}

{% macro gen_type_string() %}{{ return(adapter.dispatch('gen_type_string', 'warehouse_exports')()) }}{% endmacro %}
{% macro default__gen_type_string() %}{{ return('varchar') }}{% endmacro %}

{#- Snowflake: JSON in VARIANT, naive UTC timestamps in TIMESTAMP_NTZ. -#}
{% macro snowflake__gen_type_json() %}{{ return('variant') }}{% endmacro %}
{% macro snowflake__gen_type_timestamp() %}{{ return('timestamp_ntz') }}{% endmacro %}
{% macro snowflake__gen_type_string() %}{{ return('varchar') }}{% endmacro %}
