{#- The batch HTTP primitive of a fan-out step: the SQL whose single cell is the JSON array of results of
    gen_http_core.http_batch (requests_json: a JSON array of requests; up to `concurrency` in flight). -#}
{% macro gen_http_batch_sql(requests_json, concurrency) %}
  {{ return(adapter.dispatch('gen_http_batch_sql', gen_package_name())(requests_json, concurrency)) }}
{% endmacro %}

{% macro default__gen_http_batch_sql(requests_json, concurrency) %}
  {{ exceptions.raise_compiler_error("gen: for_each workflows run on DuckDB for now, not on adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}

{% macro duckdb__gen_http_batch_sql(requests_json, concurrency) %}
  {{ return('select gen_http_batch(' ~ gen_sql_string(requests_json) ~ ', ' ~ (concurrency | int) ~ ') as responses') }}
{% endmacro %}
