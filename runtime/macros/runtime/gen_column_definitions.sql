{#- The columns of the tables the runtime writes come from the workflow definition (name, type, and not_null
    and default where set), in the order the tables have them: the macros here turn them into SQL. -#}

{% macro gen_column_definitions(columns) %}
  {%- set definitions = [] -%}
  {%- for c in columns -%}{%- do definitions.append(gen_column_definition(c)) -%}{%- endfor -%}
  {{ return(definitions) }}
{% endmacro %}

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
