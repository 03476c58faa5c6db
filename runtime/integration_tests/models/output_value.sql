{#- gen_output_value: an output taken from a response and converted to its type in SQL, shown as the DuckDB type
    and text of the value it writes, or as its error. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('output_value_cases')) -%}
  {%- set i = fromjson(c['input']) -%}
  {%- set v = gen_output_value(i['output'], i['response']) -%}
  {%- if v['error'] is not none -%}
    {%- do results.append([c['case_id'], 'error: ' ~ v['error']]) -%}
  {%- else -%}
    {%- set row = run_query('select typeof(' ~ v['sql'] ~ ') || \' \' || cast(' ~ v['sql'] ~ ' as varchar)').rows[0] -%}
    {%- do results.append([c['case_id'], row[0]]) -%}
  {%- endif -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
