{#- `dbt run-operation gen_restart_plan --args '{key: "build"}'`: prints the plan of the command `key` as one
    JSON line (`gen-restart-plan {...}`), which `gen restart` reads. Without the run log (no run yet) the plan
    is a full build. -#}
{% macro gen_restart_plan(key='build') %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- do gen_ensure_run_log() -%}
  {%- set row = gen_rows_as_dicts(dbt.run_query(gen_restart_plan_sql(key)))[0] -%}
  {%- do log('gen-restart-plan ' ~ tojson(row), info=true) -%}
  {{ return(row) }}
{% endmacro %}
