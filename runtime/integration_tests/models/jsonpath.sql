{#- gen_jsonpath: lookups by key and index (negative from the end) that find a value or report it missing. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('jsonpath_cases')) -%}
  {%- set i = fromjson(c['input']) -%}
  {%- do results.append([c['case_id'], tojson(gen_jsonpath(i['value'], i['segments']), sort_keys=true)]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
