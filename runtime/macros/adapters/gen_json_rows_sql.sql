{#- A SELECT of many rows whose values travel as one JSON text (one string literal, escaped once), so that a
    batch of rows costs one tojson in Jinja rather than a SQL expression per value: rows is a list of
    {column name: plain value}, columns the [{name, type}] to select, in order. A column missing from a row is
    null; `shared` gives a column the same SQL expression for every row (e.g. the current timestamp). A typed
    value converts with try_cast from its text (a refused value is null: callers check values that must
    convert beforehand, as gen_output_value does); a json column keeps the JSON value, JSON null as SQL null. -#}
{% macro gen_json_rows_sql(columns, rows, shared={}) %}
  {%- set rows_json = tojson(rows) -%}
  {%- if rows_json is none -%}
    {#- dbt's tojson answers none for a value JSON cannot carry: a bug of the runtime, never the API's -#}
    {{ exceptions.raise_compiler_error('gen: rows the runtime cannot write as JSON') }}
  {%- endif -%}
  {{ return(adapter.dispatch('gen_json_rows_sql', gen_package_name())(columns, rows_json, shared)) }}
{% endmacro %}

{% macro default__gen_json_rows_sql(columns, rows_json, shared={}) %}
  {{ exceptions.raise_compiler_error("gen: no JSON rows for adapter '" ~ adapter.type() ~ "' (supported: duckdb, snowflake)") }}
{% endmacro %}

{#- DuckDB: the JSON array as a list of JSON values, one row each. -#}
{% macro duckdb__gen_json_rows_sql(columns, rows_json, shared={}) %}
  {%- set exprs = [] -%}
  {%- for c in columns -%}
    {%- set key = gen_sql_string(c['name']) -%}
    {%- if c['name'] in shared -%}{%- set expr = shared[c['name']] -%}
    {%- elif c['type'] == 'string' -%}{%- set expr = 'json_extract_string(gen_r, ' ~ key ~ ')' -%}
    {%- elif c['type'] == 'json' -%}{%- set expr = 'nullif(json_extract(gen_r, ' ~ key ~ "), cast('null' as JSON))" -%}
    {%- else -%}{%- set expr = 'try_cast(json_extract_string(gen_r, ' ~ key ~ ') as ' ~ gen_column_type(c['type']) ~ ')' -%}
    {%- endif -%}
    {%- do exprs.append(expr ~ ' as ' ~ c['name']) -%}
  {%- endfor -%}
  {{ return('select ' ~ exprs | join(', ') ~ ' from (select unnest(cast(' ~ gen_sql_string(rows_json)
            ~ ' as JSON[])) as gen_r) as gen_rows') }}
{% endmacro %}

{#- Snowflake: FLATTEN of the parsed array, one row per element; try_cast takes text only. -#}
{% macro snowflake__gen_json_rows_sql(columns, rows_json, shared={}) %}
  {%- set exprs = [] -%}
  {%- for c in columns -%}
    {%- set value = 'gen_f.value[' ~ gen_sql_string(c['name']) ~ ']' -%}
    {%- if c['name'] in shared -%}{%- set expr = shared[c['name']] -%}
    {%- elif c['type'] == 'string' -%}{%- set expr = value ~ '::varchar' -%}
    {%- elif c['type'] == 'json' -%}{%- set expr = 'strip_null_value(' ~ value ~ ')' -%}
    {%- else -%}{%- set expr = 'try_cast(' ~ value ~ '::varchar as ' ~ gen_column_type(c['type']) ~ ')' -%}
    {%- endif -%}
    {%- do exprs.append(expr ~ ' as ' ~ c['name']) -%}
  {%- endfor -%}
  {{ return('select ' ~ exprs | join(', ') ~ ' from table(flatten(input => parse_json(' ~ gen_sql_string(rows_json)
            ~ '))) as gen_f') }}
{% endmacro %}
