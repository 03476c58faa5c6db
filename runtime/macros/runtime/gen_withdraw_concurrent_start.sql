{#- Called right after this run inserted a new execution: when another run started one of the same workflow at
    the same moment (both found none unfinished, both inserted), this run deletes its own before any call and
    returns the other one's id; otherwise none. INSERTs of two runs may run in parallel, so the check comes after
    the insert is committed: of two runs, at least the later one sees the other's row, so at most one goes on
    (if both see each other, both withdraw, and the next run starts afresh). -#}
{% macro gen_withdraw_concurrent_start(wf, execution_id) %}
  {%- set state = gen_relation(wf['state']['table']) -%}
  {%- set rows = dbt.run_query("select 's:' || execution_id from " ~ state ~ ' where workflow = '
      ~ gen_sql_string(wf['name']) ~ " and completed = false and status <> 'error' and execution_id <> "
      ~ gen_sql_string(execution_id) ~ ' order by start_time limit 1').rows -%}
  {%- if rows | length == 0 -%}{{ return(none) }}{%- endif -%}
  {%- do dbt.run_query('delete from ' ~ state ~ ' where execution_id = ' ~ gen_sql_string(execution_id)
      ~ ' and lease_owner = ' ~ gen_sql_string(gen_lease_owner())) -%}
  {{ return(rows[0][0][2:]) }}
{% endmacro %}
