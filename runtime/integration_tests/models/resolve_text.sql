{#- gen_resolve_text: ${...} references of inputs, step outputs, the execution and env values, as text. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('resolve_text_cases')) -%}
  {%- set i = fromjson(c['input']) -%}
  {%- do results.append([c['case_id'], gen_resolve_text(i['parts'], i['ctx'], encode=i['encode'])]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
