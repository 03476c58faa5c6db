{#- gen_column_type on DuckDB: the SQL type of each column type of a workflow definition. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('column_type_cases')) -%}
  {%- do results.append([c['case_id'], gen_column_type(fromjson(c['input'])['type'])]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
