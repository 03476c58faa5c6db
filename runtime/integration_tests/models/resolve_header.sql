{#- gen_resolve_header: header values as the HTTP primitive's parts; a secret is never turned into text. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('resolve_header_cases')) -%}
  {%- set i = fromjson(c['input']) -%}
  {%- do results.append([c['case_id'], tojson(gen_resolve_header(i['parts'], i['ctx']), sort_keys=true)]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
