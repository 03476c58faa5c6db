{#- Current time as a UTC timestamp without time zone: the state table stores naive UTC times,
    and the monitoring models compare against this. -#}
{% macro gen_current_timestamp() %}
  {{ return(adapter.dispatch('gen_current_timestamp', gen_package_name())()) }}
{% endmacro %}

{% macro default__gen_current_timestamp() %}
  {{ return('cast(current_timestamp as ' ~ gen_type_timestamp() ~ ')') }}
{% endmacro %}

{% macro duckdb__gen_current_timestamp() %}
  {{ return("cast(timezone('UTC', now()) as timestamp)") }}
{% endmacro %}

{#- Snowflake: SYSDATE() is the current UTC time as TIMESTAMP_NTZ, whatever the session's TIMEZONE. -#}
{% macro snowflake__gen_current_timestamp() %}
  {{ return('sysdate()') }}
{% endmacro %}
