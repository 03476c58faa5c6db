{#- The HTTP calls of one fan-out batch in one statement: requests as gen_build_request makes them, up to
    `concurrency` in flight. Returns the primitive's results in the order of the requests. -#}
{% macro gen_http_batch(requests, concurrency) %}
  {%- set payload = [] -%}
  {%- for r in requests -%}
    {%- do payload.append({'method': r['method'], 'url': r['url'], 'headers': r['headers'],
                           'body': r['body'] if r['has_body'] else none, 'options': r['options']}) -%}
  {%- endfor -%}
  {%- set table = dbt.run_query(gen_http_batch_sql(tojson(payload), concurrency)) -%}
  {%- set results = fromjson(table.columns[0].values()[0]) -%}
  {%- if results | length != requests | length -%}
    {{ exceptions.raise_compiler_error('gen: the batch HTTP primitive answered ' ~ results | length ~ ' results for '
        ~ requests | length ~ ' requests') }}
  {%- endif -%}
  {{ return(results) }}
{% endmacro %}
