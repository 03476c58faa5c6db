{#- Appends attempt-log rows in one statement: rows is a list of {column name: SQL expression}, each with every
    column of the workflow's attempt log. Nothing to append, no statement. -#}
{% macro gen_insert_attempt_rows(wf, rows) %}
  {%- if rows | length == 0 -%}{{ return(none) }}{%- endif -%}
  {%- set columns = wf['columns']['attempts'] -%}
  {%- set selects = [] -%}
  {%- for values in rows -%}
    {%- do selects.append('select ' ~ gen_row_values(columns, values) | join(', ')) -%}
  {%- endfor -%}
  {%- do dbt.run_query('insert into ' ~ gen_relation(wf['state']['attempt_log_table'])
      ~ ' (' ~ columns | map(attribute='name') | join(', ') ~ ') ' ~ selects | join(' union all ')) -%}
{% endmacro %}
