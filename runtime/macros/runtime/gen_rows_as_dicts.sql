{#- The rows of a query result (agate table) as a list of dicts with lower-case keys and JSON-safe values, for
    the one-line JSON that gen's operations print for the CLI: whole numbers as integers, other numbers as
    floats, timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text. -#}
{% macro gen_rows_as_dicts(table) %}
  {%- set rows = [] -%}
  {%- for r in table.rows -%}
    {%- set row = {} -%}
    {%- for name in table.column_names -%}
      {%- set value = r[loop.index0] -%}
      {%- if value is none or value is string or value is boolean -%}{%- do row.update({name | lower: value}) -%}
      {%- elif value is number -%}{%- do row.update({name | lower: (value | int) if (value | float) == (value | int) else (value | float)}) -%}
      {%- else -%}{%- do row.update({name | lower: value | string}) -%}{%- endif -%}
    {%- endfor -%}
    {%- do rows.append(row) -%}
  {%- endfor -%}
  {{ return(rows) }}
{% endmacro %}
