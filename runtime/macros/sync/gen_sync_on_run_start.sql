{#- on-run-start: the queue exists before any model (and the monitoring views over it) runs. -#}
{% macro gen_sync_on_run_start() %}
  {%- if gen_runs_nodes() -%}{%- do gen_ensure_sync_queue() -%}{%- endif -%}
  {{ return('') }}
{% endmacro %}
