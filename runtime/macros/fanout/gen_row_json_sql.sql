{#- A whole row of a relation alias as JSON text (the values `${row.<column>}` reads), keyed by the column names
    as a spec writes them. -#}
{% macro gen_row_json_sql(alias) %}
  {{ return(adapter.dispatch('gen_row_json_sql', gen_package_name())(alias)) }}
{% endmacro %}

{% macro default__gen_row_json_sql(alias) %}
  {{ exceptions.raise_compiler_error("gen: for_each workflows run on DuckDB and Snowflake, not on adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}

{% macro duckdb__gen_row_json_sql(alias) %}
  {{ return('cast(to_json(' ~ alias ~ ') as varchar)') }}
{% endmacro %}

{#- Snowflake names unquoted columns in upper case: the row's object is rebuilt with lower-case keys, its null
    values kept (KEEP_NULL, and FLATTEN gives them as JSON null, which OBJECT_AGG keeps). A correlated scalar
    subquery is allowed when it "can be statically determined to return one row", as an aggregate without
    GROUP BY does (https://docs.snowflake.com/en/user-guide/querying-subqueries). -#}
{% macro snowflake__gen_row_json_sql(alias) %}
  {{ return('to_json((select object_agg(lower(gen_f.key), gen_f.value) from table(flatten(input => '
            ~ 'object_construct_keep_null(' ~ alias ~ '.*))) as gen_f))') }}
{% endmacro %}
