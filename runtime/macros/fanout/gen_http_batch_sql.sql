{#- The batch HTTP primitive of a fan-out step: the SQL whose single cell is the JSON array of results of
    gen_http_core.http_batch (requests_json: a JSON array of requests; up to `concurrency` in flight). -#}
{% macro gen_http_batch_sql(requests_json, concurrency) %}
  {{ return(adapter.dispatch('gen_http_batch_sql', gen_package_name())(requests_json, concurrency)) }}
{% endmacro %}

{% macro default__gen_http_batch_sql(requests_json, concurrency) %}
  {{ exceptions.raise_compiler_error("gen: no batch HTTP primitive for adapter '" ~ adapter.type() ~ "' (supported: duckdb, snowflake)") }}
{% endmacro %}

{% macro duckdb__gen_http_batch_sql(requests_json, concurrency) %}
  {{ return('select gen_http_batch(' ~ gen_sql_string(requests_json) ~ ', ' ~ (concurrency | int) ~ ') as responses') }}
{% endmacro %}

{#- Snowflake: CALL of the batch procedure created by snowflake/04_gen_http_request_procedure.sql when a workflow
    has for_each. It returns one VARIANT cell (the array of results), which the connector hands over as JSON text.
    Its name can be overridden with --vars '{gen_http_batch_procedure: DB.SCHEMA.NAME}'; its default is the
    project's (gen_project_settings). -#}
{% macro snowflake__gen_http_batch_sql(requests_json, concurrency) %}
  {%- set procedure = var('gen_http_batch_procedure', gen_project_settings()['http_batch_procedure']) -%}
  {{ return('call ' ~ procedure ~ '(' ~ gen_sql_string(requests_json) ~ ', ' ~ (concurrency | int) ~ ')') }}
{% endmacro %}
