{#- Auto-restart's memory: one DBT_RUN_LOG row per dbt invocation and one DBT_MODEL_LOG row per node it ran,
    written by the on-run-start and on-run-end hooks of dbt_project.yml (with dbt's `results`, the way
    dbt_artifacts does it). Snowflake's native dbt keeps no target/ folder between runs, and neither does a
    CI runner: these tables are what run_results.json would have said. Unquoted names, so that hand-written
    SQL on Snowflake finds DBT_RUN_LOG and DBT_MODEL_LOG. -#}

{#- gen_run_log_relation and gen_model_log_relation: gen_log_tables.sql -#}

{% macro gen_ensure_run_log() %}
  {%- set s = gen_type_string() -%}
  {%- set ts = gen_type_timestamp() -%}
  {%- do gen_ensure_schema(gen_run_log_relation()) -%}
  {%- do gen_ensure_log_table(gen_run_log_relation(),
        ['run_id ' ~ s ~ ' not null', 'project_name ' ~ s, 'command ' ~ s, 'run_type ' ~ s,
         'retry_sequence integer', 'selector ' ~ s, 'status ' ~ s, 'run_started_at ' ~ ts, 'run_ended_at ' ~ ts,
         'nodes_executed integer', 'nodes_failed integer', 'target_name ' ~ s, 'dbt_version ' ~ s,
         'restart_key ' ~ s, 'note ' ~ s],
        ['run_id', 'run_type', 'retry_sequence', 'selector'], 'run_log_table') -%}
  {%- do gen_ensure_log_table(gen_model_log_relation(),
        ['run_id ' ~ s ~ ' not null', 'project_name ' ~ s, 'unique_id ' ~ s, 'node_name ' ~ s,
         'resource_type ' ~ s, 'status ' ~ s, 'retry_target ' ~ s, 'execution_time_s double precision',
         'message ' ~ s, 'logged_at ' ~ ts, 'retry_needed boolean'],
        ['run_id', 'unique_id', 'retry_target'], 'model_log_table') -%}
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

{#- The node a retry selects (with its descendants) for a failed node: the node itself, or for a test the model
    it is attached to (a failed test retries its parent model, so the data it checks is rebuilt first). A test
    of a source has no such model and is retried alone. -#}
{% macro gen_retry_target(node) %}
  {%- if node.resource_type != 'test' -%}{{ return(node.name) }}{%- endif -%}
  {%- set parents = [node.attached_node] if node.attached_node else node.depends_on.nodes -%}
  {%- for parent in parents -%}
    {%- if parent.split('.')[0] in ['model', 'seed', 'snapshot'] -%}{{ return(parent.split('.')[2]) }}{%- endif -%}
  {%- endfor -%}
  {{ return(node.name) }}
{% endmacro %}

{% macro gen_run_log_end(results) %}
  {%- if not gen_runs_nodes() -%}{{ return('') }}{%- endif -%}
  {%- set rows = [] -%}
  {%- set failed = [] -%}
  {%- for r in results -%}
    {%- set status = (r.status | string | lower) -%}
    {%- if status in ['error', 'fail'] -%}{%- do failed.append(r.node.unique_id) -%}{%- endif -%}
    {%- set message = (r.message | string)[:1000] if r.message is not none else none -%}
    {#- a node that failed, or that --fail-fast cancelled before it ran (dbt reports it skipped "due to
        fail_fast"; one skipped because a parent failed is already downstream of that parent) -#}
    {%- set retry_needed = status in ['error', 'fail']
          or (status == 'skipped' and 'fail_fast' in (message or '') | lower) -%}
    {%- do rows.append([gen_sql_string(invocation_id), gen_sql_string(project_name), gen_sql_string(r.node.unique_id),
                        gen_sql_string(r.node.name), gen_sql_string(r.node.resource_type), gen_sql_string(status),
                        gen_sql_string(gen_retry_target(r.node)), ((r.execution_time or 0) | float) | string,
                        gen_sql_string(message) if message is not none else 'null', gen_current_timestamp(),
                        'true' if retry_needed else 'false'] | join(', ')) -%}
  {%- endfor -%}
  {#- INSERT ... SELECT (Snowflake rejects function calls in VALUES), a few hundred rows a statement -#}
  {%- for batch in rows | batch(200) -%}
    {%- do dbt.run_query('insert into ' ~ gen_model_log_relation()
          ~ ' (run_id, project_name, unique_id, node_name, resource_type, status, retry_target, execution_time_s, message, logged_at, retry_needed)\n'
          ~ 'select ' ~ batch | join('\nunion all select ')) -%}
  {%- endfor -%}
  {%- do dbt.run_query('update ' ~ gen_run_log_relation() ~ ' set status = '
        ~ ("'FAILED'" if failed else "'SUCCESS'") ~ ', run_ended_at = ' ~ gen_current_timestamp()
        ~ ', nodes_executed = ' ~ results | length ~ ', nodes_failed = ' ~ failed | length
        ~ ' where run_id = ' ~ gen_sql_string(invocation_id)) -%}
  {{ return('') }}
{% endmacro %}
