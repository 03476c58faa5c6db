{#- Creates the table, or adds the columns a changed spec introduced (a new output, flag or step), so that
    the next run after a spec change works on the existing table and keeps its history. -#}
{% macro gen_ensure_table(relation, columns) %}
  {%- do dbt.run_query('create table if not exists ' ~ relation ~ ' (\n    ' ~ columns | join(',\n    ') ~ '\n)') -%}
  {#- not adapter.get_columns_in_relation: that opens a transaction (auto_begin), and the state transitions
      after it would then be rolled back with a failing node instead of autocommitted -#}
  {%- set existing = [] -%}
  {%- for c in dbt.run_query('select * from ' ~ relation ~ ' where 1 = 0').column_names -%}
    {%- do existing.append(c | lower) -%}
  {%- endfor -%}
  {%- for definition in columns -%}
    {%- set name = definition.split(' ')[0] -%}
    {%- if name | lower not in existing -%}
      {%- do dbt.run_query('alter table ' ~ relation ~ ' add column ' ~ definition.replace(' not null', '')) -%}
    {%- endif -%}
  {%- endfor -%}
{% endmacro %}
