{#- The condition (over the state table's columns) under which this run may take an unfinished execution:
    free, already its own, or its holder's lease expired. --vars '{gen_take_over: true}' takes held executions
    too, for when you know their run is gone (a killed process keeps its lease until it expires). -#}
{% macro gen_lease_takeable_sql() %}
  {%- if var('gen_take_over', false) -%}{{ return('true') }}{%- endif -%}
  {{ return(adapter.dispatch('gen_lease_takeable_sql', gen_package_name())()) }}
{% endmacro %}

{% macro default__gen_lease_takeable_sql() %}
  {{ return('(lease_owner is null or lease_owner = ' ~ gen_sql_string(gen_lease_owner())
      ~ ' or lease_expires_at is null or lease_expires_at < ' ~ gen_current_timestamp() ~ ')') }}
{% endmacro %}

{#- DuckDB: one process at a time opens the database file for writing, so a lease this run finds was left by a
    run that has ended (killed, or crashed): every unfinished execution is takeable at once. -#}
{% macro duckdb__gen_lease_takeable_sql() %}
  {{ return('true') }}
{% endmacro %}
