{#- gen_run_step's delay before the next poll: fixed, capped, or exponential with equal jitter. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('backoff_cases')) -%}
  {%- set i = fromjson(c['input']) -%}
  {%- do results.append([c['case_id'], '%.6f' | format(gen_poll_delay(i['poll'], i['n'], i['seed']))]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
