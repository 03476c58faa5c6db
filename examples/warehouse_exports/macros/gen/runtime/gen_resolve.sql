{#- Resolution of the spec's ${...} references at run time.
    A template is a list of parts: {'text': s} | {'ref': [root, ...path]} | {'env': NAME, 'default': s|none}
    | {'secret': NAME} | {'now': true}. A secret is never turned into text here: header values go to the HTTP
    primitive as part lists (gen_resolve_header), and it reads only the secrets of {'secret': NAME} parts, which
    come from the generated definition. So a secret value never passes through Jinja, SQL text or dbt logs, and
    a `${secret.X}` text inside a runtime value (an API response, an env value) is sent as the text it is. -#}

{% macro gen_resolve_part(part, ctx) %}
  {%- if part.get('secret') is not none -%}
    {{ exceptions.raise_compiler_error("gen: ${secret." ~ part['secret'] ~ "} can only be sent in a header") }}
  {%- elif part.get('env') is not none -%}
    {{ return(gen_env_value(part['env'], part.get('default'))) }}
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

{#- A template as text; encode='url' percent-encodes referenced values (path segments). -#}
{% macro gen_resolve_text(parts, ctx, encode=none) %}
  {%- set out = [] -%}
  {%- for part in parts -%}
    {%- if part.get('text') is not none -%}
      {%- do out.append(part['text']) -%}
    {%- else -%}
      {%- set value = gen_resolve_part(part, ctx) -%}
      {%- set text = value if value is string else tojson(value) -%}
      {%- do out.append(text | urlencode if (encode == 'url' and part.get('ref') is not none) else text) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out | join('')) }}
{% endmacro %}

{#- A header value (or basic-auth field) as the HTTP primitive's part list: every reference is resolved into a
    literal {'text': s} part, which the primitive never scans; the spec's own secrets stay {'secret': NAME}. -#}
{% macro gen_resolve_header(parts, ctx) %}
  {%- set out = [] -%}
  {%- for part in parts -%}
    {%- if part.get('secret') is not none -%}
      {%- do out.append({'secret': part['secret']}) -%}
    {%- else -%}
      {%- set text = gen_resolve_text([part], ctx) -%}
      {%- if out and out[-1].get('text') is not none -%}
        {%- do out[-1].update({'text': out[-1]['text'] ~ text}) -%}
      {%- else -%}
        {%- do out.append({'text': text}) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}

{#- A value template (request bodies): {'literal': v} | {'object': [[k, vt], ...]} | {'array': [vt, ...]}
    | {'string': parts} | {'value': part} (a whole-value reference keeps its JSON type). -#}
{% macro gen_resolve_value(vt, ctx) %}
  {%- if 'literal' in vt -%}
    {{ return(vt['literal']) }}
  {%- elif 'object' in vt -%}
    {%- set out = {} -%}
    {%- for entry in vt['object'] -%}
      {%- do out.update({entry[0]: gen_resolve_value(entry[1], ctx)}) -%}
    {%- endfor -%}
    {{ return(out) }}
  {%- elif 'array' in vt -%}
    {%- set out = [] -%}
    {%- for item in vt['array'] -%}
      {%- do out.append(gen_resolve_value(item, ctx)) -%}
    {%- endfor -%}
    {{ return(out) }}
  {%- elif 'string' in vt -%}
    {{ return(gen_resolve_text(vt['string'], ctx)) }}
  {%- else -%}
    {{ return(gen_resolve_part(vt['value'], ctx)) }}
  {%- endif -%}
{% endmacro %}
