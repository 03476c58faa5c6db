{#- Who holds an execution now: {owner, expires_at} (text), or none when the execution is gone. -#}
{% macro gen_execution_holder(wf, execution_id) %}
  {%- set rows = dbt.run_query("select 's:' || coalesce(lease_owner, ''), 's:' || coalesce(cast(lease_expires_at as "
      ~ gen_type_string() ~ "), '') from " ~ gen_relation(wf['state']['table'])
      ~ ' where execution_id = ' ~ gen_sql_string(execution_id)).rows -%}
  {%- if rows | length == 0 -%}{{ return(none) }}{%- endif -%}
  {{ return({'owner': rows[0][0][2:], 'expires_at': rows[0][1][2:]}) }}
{% endmacro %}
