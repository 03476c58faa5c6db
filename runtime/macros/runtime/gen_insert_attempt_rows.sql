{#- Appends attempt-log rows in one statement: rows is a list of {column name: plain value} (a column missing is
    null), `shared` {column name: SQL expression} the values every row has (gen_json_rows_sql). Nothing to
    append, no statement. -#}
{% macro gen_insert_attempt_rows(wf, rows, shared={}) %}
  {%- if rows | length == 0 -%}{{ return(none) }}{%- endif -%}
  {%- set columns = wf['columns']['attempts'] -%}
  {%- do dbt.run_query('insert into ' ~ gen_relation(wf['state']['attempt_log_table'])
      ~ ' (' ~ columns | map(attribute='name') | join(', ') ~ ') ' ~ gen_json_rows_sql(columns, rows, shared)) -%}
{% endmacro %}
