{#- Auto-restart's memory: one DBT_RUN_LOG row per dbt invocation and one DBT_MODEL_LOG row per node it ran,
    written by the on-run-start and on-run-end hooks of dbt_project.yml (with dbt's `results`, the way
    dbt_artifacts does it). Snowflake's native dbt keeps no target/ folder between runs, and neither does a
    CI runner: these tables are what run_results.json would have said. Unquoted names, so that hand-written
    SQL on Snowflake finds DBT_RUN_LOG and DBT_MODEL_LOG. -#}

{#- on-run-start: a RUNNING row for this invocation, keyed by the command it belongs to. -#}
{% macro gen_run_log_start() %}
  {%- if not gen_runs_nodes() -%}{{ return('') }}{%- endif -%}
  {%- do gen_ensure_run_log() -%}
  {%- set selected = invocation_args_dict.get('select') or [] -%}
  {%- set run_type, retry_sequence = gen_run_type() -%}
  {%- set values = [gen_sql_string(invocation_id), gen_sql_string(project_name),
                    gen_sql_string(invocation_args_dict.get('which')), gen_sql_string(run_type),
                    retry_sequence | string, gen_sql_string(selected | join(' ')) if selected else 'null',
                    "'RUNNING'", gen_current_timestamp(), gen_sql_string(target.name), gen_sql_string(dbt_version),
                    gen_sql_string(gen_restart_key())] -%}
  {%- do dbt.run_query('insert into ' ~ gen_run_log_relation()
        ~ ' (run_id, project_name, command, run_type, retry_sequence, selector, status, run_started_at, target_name, dbt_version, restart_key)'
        ~ ' select ' ~ values | join(', ')) -%}
  {{ return('') }}
{% endmacro %}

{#- The command a run belongs to, the key of its restart plan: the full command (verb, flags, selection) that
    gen restart and RUN_DBT_AUTO_RESTART pass as the var gen_restart_key, also on the retries they run, so
    that a retry counts for the command it retries. A run started otherwise is keyed by its verb and selection
    (`run --select tag:hourly`), the way a task's args are written. -#}
{% macro gen_restart_key() %}
  {%- set given = var('gen_restart_key', none) -%}
  {%- if given -%}{{ return(given | string) }}{%- endif -%}
  {%- set selected = invocation_args_dict.get('select') or [] -%}
  {{ return(([invocation_args_dict.get('which')] + (['--select'] + selected | list if selected else [])) | join(' ')) }}
{% endmacro %}

{#- How this invocation came about, as [run_type, retry_sequence]: a retry that gen restart or
    RUN_DBT_AUTO_RESTART runs says so (var gen_restart_retry, its number); any other run with a selection is a
    selective run, one without a full build. -#}
{% macro gen_run_type() %}
  {%- set retry = var('gen_restart_retry', 0) | int -%}
  {%- if retry > 0 -%}{{ return(['SELECTIVE RETRY', retry]) }}{%- endif -%}
  {%- if invocation_args_dict.get('select') -%}{{ return(['SELECTIVE RUN', 0]) }}{%- endif -%}
  {{ return(['FULL BUILD', 0]) }}
{% endmacro %}
