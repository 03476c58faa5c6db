{#- What the next run of each command should be after its last one, one row per command (restart_key; see
    macros/gen/restart/gen_restart_plan.sql). A view: it is evaluated when it is read, so RUN_DBT_AUTO_RESTART
    on Snowflake reads the plan for the run it is about to start. Reading it never calls the workflow API. -#}
{{ config(materialized='view', tags=['gen', 'gen_auto_restart']) }}
{{ gen_restart_plan_sql() }}
