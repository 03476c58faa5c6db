{#- DBT_RUN_LOG: one row per dbt invocation (the spec's auto_restart.run_log_table). -#}
{% macro gen_run_log_relation() %}{{ return(gen_restart_log_relation(gen_restart_settings().run_log_table)) }}{% endmacro %}
