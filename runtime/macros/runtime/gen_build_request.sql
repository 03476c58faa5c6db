{#- Builds the concrete request of a step from its definition and the reference context.
    display_url (no query string) is what logs, errors and the attempt log show. `resolved`: the step's
    connection already resolved (gen_resolve_connection), for a batch of rows; else it is resolved here. -#}
{% macro gen_build_request(wf, step, ctx, resolved=none) %}
  {%- set conn = wf['connections'][step['connection']] -%}
  {%- set c = resolved if resolved is not none else gen_resolve_connection(conn, ctx) -%}
  {%- set headers = {} -%}
  {%- for h in c['headers'] -%}{%- do headers.update({h[0]: h[1]}) -%}{%- endfor -%}
  {%- for h in step['headers'] -%}
    {%- do headers.update({h[0]: gen_resolve_header(h[1], ctx)}) -%}
  {%- endfor -%}
  {%- if step['idempotency_key'] is not none -%}
    {%- do headers.update({'Idempotency-Key': gen_resolve_header(step['idempotency_key'], ctx)}) -%}
  {%- endif -%}
  {%- set query = {} -%}
  {%- for q in step['query'] -%}
    {%- do query.update({q[0]: gen_resolve_text(q[1], ctx)}) -%}
  {%- endfor -%}
  {#- secrets: the only names the primitive may read, listed when the project was generated -#}
  {%- set options = {'timeout_s': conn['timeout_s'], 'retry': conn['retry'], 'query': query, 'secrets': wf['secrets']} -%}
  {%- if c['basic_auth'] is not none -%}{%- do options.update({'basic_auth': c['basic_auth']}) -%}{%- endif -%}
  {%- set url = c['base_url'] ~ gen_resolve_text(step['path'], ctx, encode='url') -%}
  {{ return({
      'method': step['method'],
      'url': url,
      'display_url': url.split('?')[0],
      'headers': headers,
      'has_body': step['body'] is not none,
      'body': gen_resolve_value(step['body'], ctx) if step['body'] is not none else none,
      'options': options
  }) }}
{% endmacro %}
