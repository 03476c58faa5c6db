{#- Claims, in one conditional UPDATE, the unfinished executions of the workflow matched by `scope_sql` (a
    condition on the state table's columns) that no other run holds (gen_lease_takeable_sql: free, already this
    run's, or whose lease expired because its run crashed or was killed). The holder writes its id and expiry.
    On Snowflake, UPDATE statements on one table run one after another, not in parallel
    (https://docs.snowflake.com/en/sql-reference/transactions#resource-locking), so of two runs claiming the
    same execution at once exactly one ends up holding it; each run then works only on what it holds. -#}
{% macro gen_claim_executions(wf, scope_sql) %}
  {%- do dbt.run_query('update ' ~ gen_relation(wf['state']['table']) ~ ' set lease_owner = '
      ~ gen_sql_string(gen_lease_owner()) ~ ', lease_expires_at = ' ~ gen_lease_expiry(wf)
      ~ ' where workflow = ' ~ gen_sql_string(wf['name']) ~ " and completed = false and status <> 'error' and "
      ~ gen_lease_takeable_sql() ~ ' and (' ~ scope_sql ~ ')') -%}
{% endmacro %}
