{#- One HTTP call (with the connection's transient-error retries done by the primitive).
    Returns the primitive's result: {ok, status_code, body, text, error, attempts, elapsed_ms}. -#}
{% macro gen_http(request) %}
  {%- set sql = gen_http_request_sql(
        request['method'], request['url'], tojson(request['headers']),
        tojson(request['body']) if request['has_body'] else none,
        tojson(request['options'])) -%}
  {%- set table = dbt.run_query(sql) -%}
  {%- set raw = table.columns[0].values()[0] -%}
  {{ return(fromjson(raw)) }}
{% endmacro %}
