{#- The HTTP calls of one fan-out batch: requests as gen_build_request makes them, up to `concurrency` in flight.
    Returns the primitive's results in the order of the requests.
    A big batch goes out in chunks, one statement each, in order, so that a statement never grows with the rows:
    * at most 64 requests per statement (--vars '{gen_http_batch_max_requests: N}' changes it): on Snowflake the
      results of one CALL are one VARIANT, at most 16 MB (128 MB with the 2025_03 bundle,
      https://docs.snowflake.com/en/release-notes/bcr-bundles/2025_03/bcr-1942), which 64 results stay inside
      while the responses average under 256 KB (the HTTP primitive reads whole response bodies: lower N for an API
      with larger ones); and 64 is the highest concurrency, so one chunk still keeps every slot busy.
    * at most 256 KiB of request JSON per statement: the requests are a string literal of the statement, and
      Snowflake recommends at most 1 MB of text per statement (https://docs.snowflake.com/en/user-guide/query-size-limits);
      quoting can double a backslash-heavy text. A larger request goes alone. -#}
{% macro gen_http_batch(requests, concurrency) %}
  {%- set max_requests = var('gen_http_batch_max_requests', 64) -%}
  {%- if max_requests is not number or max_requests != max_requests | int or max_requests < 1 -%}
    {{ exceptions.raise_compiler_error('gen: gen_http_batch_max_requests must be a whole number >= 1 (it is '
        ~ tojson(max_requests | string) ~ ')') }}
  {%- endif -%}
  {%- set max_bytes = 262144 -%}
  {#- each request as JSON (dbt's tojson escapes non-ASCII, so characters are bytes), cut into chunks -#}
  {%- set chunks = [] -%}
  {%- set current = namespace(items=[], bytes=0) -%}
  {%- for r in requests -%}
    {%- set item = tojson({'method': r['method'], 'url': r['url'], 'headers': r['headers'],
                           'body': r['body'] if r['has_body'] else none, 'options': r['options']}) -%}
    {%- if current.items | length > 0 and (current.items | length >= max_requests
                                           or current.bytes + item | length > max_bytes) -%}
      {%- do chunks.append(current.items) -%}
      {%- set current.items = [] -%}
      {%- set current.bytes = 0 -%}
    {%- endif -%}
    {%- do current.items.append(item) -%}
    {%- set current.bytes = current.bytes + item | length + 1 -%}
  {%- endfor -%}
  {%- if current.items | length > 0 -%}{%- do chunks.append(current.items) -%}{%- endif -%}

  {%- set results = [] -%}
  {%- for chunk in chunks -%}
    {%- set table = dbt.run_query(gen_http_batch_sql('[' ~ chunk | join(',') ~ ']', concurrency)) -%}
    {%- set answered = fromjson(table.columns[0].values()[0]) -%}
    {%- if answered is not sequence or answered is string or answered is mapping or answered | length != chunk | length -%}
      {{ exceptions.raise_compiler_error('gen: the batch HTTP primitive answered '
          ~ (answered | length if answered is sequence else 'no list') ~ ' results for ' ~ chunk | length ~ ' requests') }}
    {%- endif -%}
    {%- do results.extend(answered) -%}
  {%- endfor -%}
  {{ return(results) }}
{% endmacro %}
