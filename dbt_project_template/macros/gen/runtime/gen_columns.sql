{#- The columns of the tables the runtime writes come from the workflow definition (name, type, and not_null
    and default where set), in the order the tables have them: the macros here turn them into SQL. -#}

{#- `name type [not null] [default value]`, as CREATE TABLE takes it. -#}
{% macro gen_column_definition(column) %}
  {%- set parts = [column['name'], gen_column_type(column['type'])] -%}
  {%- if column.get('not_null') -%}{%- do parts.append('not null') -%}{%- endif -%}
  {%- set default = column.get('default') -%}
  {%- if default is boolean -%}{%- do parts.append('default ' ~ ('true' if default else 'false')) -%}
  {%- elif default is string -%}{%- do parts.append('default ' ~ gen_sql_string(default)) -%}
  {%- elif default is number -%}{%- do parts.append('default ' ~ default) -%}
  {%- endif -%}
  {{ return(parts | join(' ')) }}
{% endmacro %}

{% macro gen_column_definitions(columns) %}
  {%- set definitions = [] -%}
  {%- for c in columns -%}{%- do definitions.append(gen_column_definition(c)) -%}{%- endfor -%}
  {{ return(definitions) }}
{% endmacro %}

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
