{#- The parts of a request that come from its connection: {base_url, headers: [[name, value]], basic_auth}.
    A connection reads only ${env.X}, ${var.X} and ${secret.X} (the spec refuses the rest there), so they are the
    same for every row of a fan-out batch, which resolves them once. -#}
{% macro gen_resolve_connection(conn, ctx) %}
  {%- set headers = [] -%}
  {%- for h in conn['headers'] -%}{%- do headers.append([h[0], gen_resolve_header(h[1], ctx)]) -%}{%- endfor -%}
  {%- set basic_auth = none -%}
  {%- if conn['basic_auth'] is not none -%}
    {%- set basic_auth = {'username': gen_resolve_header(conn['basic_auth']['username'], ctx),
                          'password': gen_resolve_header(conn['basic_auth']['password'], ctx)} -%}
  {%- endif -%}
  {{ return({'base_url': gen_resolve_text(conn['base_url'], ctx).rstrip('/'), 'headers': headers,
             'basic_auth': basic_auth}) }}
{% endmacro %}
