{#- gen_run_log_end's retry target of a node: the node itself, or for a test the model (seed, snapshot) it checks. -#}
{%- set results = [] -%}
{%- for c in runtime_test_cases(ref('retry_target_cases')) -%}
  {%- do results.append([c['case_id'], gen_retry_target(fromjson(c['input']))]) -%}
{%- endfor -%}
{{ runtime_test_results(results) }}
