{#- Resolution of the spec's ${...} references at run time.
    A template is a list of parts: {'text': s} | {'ref': [root, ...path]} | {'env': NAME, 'default': s|none}
    | {'var': NAME, 'default': s|none} | {'secret': NAME} | {'now': true}. A secret is never turned into text here: header values go to the HTTP
    primitive as part lists (gen_resolve_header), and it reads only the secrets of {'secret': NAME} parts, which
    come from the generated definition. So a secret value never passes through Jinja, SQL text or dbt logs, and
    a `${secret.X}` text inside a runtime value (an API response, an env value) is sent as the text it is. -#}
{% macro gen_resolve_part(part, ctx) %}
  {%- if part.get('secret') is not none -%}
    {{ exceptions.raise_compiler_error("gen: ${secret." ~ part['secret'] ~ "} can only be sent in a header") }}
  {%- elif part.get('env') is not none -%}
    {{ return(gen_env_value(part['env'], part.get('default'))) }}
  {%- elif part.get('var') is not none -%}
    {#- a dbt var (--vars) keeps the type it was given; the default is text -#}
    {%- set value = var(part['var'], part.get('default')) -%}
    {%- if value is none -%}
      {{ exceptions.raise_compiler_error("gen: ${var." ~ part['var'] ~ "} has no value: pass it with --vars '{" ~ part['var'] ~ ": ...}'") }}
    {%- endif -%}
    {{ return(value) }}
  {%- elif part.get('now') -%}
    {{ return(modules.datetime.datetime.now(modules.pytz.utc).isoformat()) }}
  {%- else -%}
    {%- set ns = namespace(cur=ctx, ok=true) -%}
    {%- for key in part['ref'] -%}
      {%- if ns.ok and ns.cur is mapping and key in ns.cur -%}
        {%- set ns.cur = ns.cur[key] -%}
      {%- else -%}
        {%- set ns.ok = false -%}
      {%- endif -%}
    {%- endfor -%}
    {%- if not ns.ok -%}
      {{ exceptions.raise_compiler_error("gen: reference ${" ~ part['ref'] | join('.') ~ "} has no value at run time") }}
    {%- endif -%}
    {{ return(ns.cur) }}
  {%- endif -%}
{% endmacro %}
