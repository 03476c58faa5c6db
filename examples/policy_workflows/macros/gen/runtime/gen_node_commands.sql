{#- dbt commands that run nodes. The project hooks (on-run-start, on-run-end) fire for compile and docs generate
    too, which change nothing; gen's hooks act only for these. -#}
{% macro gen_node_commands() %}
  {{ return(['build', 'run', 'test', 'seed', 'snapshot', 'retry']) }}
{% endmacro %}
