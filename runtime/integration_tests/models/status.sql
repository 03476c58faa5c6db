{#- gen_run_step's reading of a polled status: success, pending, failure, unexpected or missing. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('status_cases')) -%}
  {%- set i = fromjson(c['input']) -%}
  {%- do results.append([c['case_id'], gen_poll_outcome(i['poll'], i['status'])]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
