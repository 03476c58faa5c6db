{#- Is this invocation one that runs nodes (build, run, test, seed, snapshot, retry)? The project hooks
    (on-run-start, on-run-end) fire for compile and docs generate too, which change nothing; gen's hooks act
    only when this is true. -#}
{% macro gen_runs_nodes() %}
  {{ return(execute and invocation_args_dict.get('which') in ['build', 'run', 'test', 'seed', 'snapshot', 'retry']) }}
{% endmacro %}
