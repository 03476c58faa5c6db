{#- gen_resolve_value: request bodies, where a whole-value reference keeps its JSON type. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('resolve_value_cases')) -%}
  {%- set i = fromjson(c['input']) -%}
  {%- do results.append([c['case_id'], tojson(gen_resolve_value(i['template'], i['ctx']), sort_keys=true)]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
