{#- A whole row of a relation alias as JSON text (the values `${row.<column>}` reads). -#}
{% macro gen_row_json_sql(alias) %}
  {{ return(adapter.dispatch('gen_row_json_sql', gen_package_name())(alias)) }}
{% endmacro %}

{% macro default__gen_row_json_sql(alias) %}
  {{ exceptions.raise_compiler_error("gen: for_each workflows run on DuckDB for now, not on adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}

{% macro duckdb__gen_row_json_sql(alias) %}
  {{ return('cast(to_json(' ~ alias ~ ') as varchar)') }}
{% endmacro %}
