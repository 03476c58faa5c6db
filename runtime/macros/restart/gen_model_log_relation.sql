{#- DBT_MODEL_LOG: one row per node a run ran (the spec's auto_restart.model_log_table). -#}
{% macro gen_model_log_relation() %}{{ return(gen_restart_log_relation(gen_restart_settings().model_log_table)) }}{% endmacro %}
