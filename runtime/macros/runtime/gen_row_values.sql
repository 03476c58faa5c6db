{#- The SQL expressions of one row, in column order, from `values` (column name -> SQL expression). A column
    without a value is a bug in the runtime, not in the spec. -#}
{% macro gen_row_values(columns, values) %}
  {%- set exprs = [] -%}
  {%- for c in columns -%}
    {%- if c['name'] not in values -%}
      {{ exceptions.raise_compiler_error('gen: the runtime has no value for column ' ~ c['name']) }}
    {%- endif -%}
    {%- do exprs.append(values[c['name']]) -%}
  {%- endfor -%}
  {{ return(exprs) }}
{% endmacro %}
