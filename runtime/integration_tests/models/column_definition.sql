{#- gen_column_definitions: a column of a workflow definition as CREATE TABLE takes it. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('column_definition_cases')) -%}
  {%- do results.append([c['case_id'], gen_column_definitions([fromjson(c['input'])['column']])[0]]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
