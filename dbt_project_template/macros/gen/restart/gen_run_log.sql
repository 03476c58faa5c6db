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
         'nodes_executed integer', 'nodes_failed integer', 'target_name ' ~ s, 'dbt_version ' ~ s],
        ['run_id', 'run_type', 'retry_sequence', 'selector'], 'run_log_table') -%}
  {%- do gen_ensure_log_table(gen_model_log_relation(),
        ['run_id ' ~ s ~ ' not null', 'project_name ' ~ s, 'unique_id ' ~ s, 'node_name ' ~ s,
         'resource_type ' ~ s, 'status ' ~ s, 'retry_target ' ~ s, 'execution_time_s double precision',
         'message ' ~ s, 'logged_at ' ~ ts],
        ['run_id', 'unique_id', 'retry_target'], 'model_log_table') -%}
{% endmacro %}

{#- How this invocation came about, as [run_type, retry_sequence]: a run that selects exactly what the restart
    plan asks for is that plan's selective retry (gen restart and RUN_DBT_AUTO_RESTART run it, and so may a
    person), any other selection a selective run, no selection a full build. Read before this run's own row is
    written, so the plan is the one made from the run before. -#}
{% macro gen_run_type() %}
  {%- set selected = invocation_args_dict.get('select') or [] -%}
  {%- if not selected -%}{{ return(['FULL BUILD', 0]) }}{%- endif -%}
  {%- set plan = gen_rows_as_dicts(dbt.run_query(gen_restart_plan_sql()))[0] -%}
  {%- if plan.decision == 'SELECTIVE RETRY' and (plan.selector or '').split() | sort == selected | list | sort -%}
    {{ return(['SELECTIVE RETRY', plan.retry_sequence]) }}
  {%- endif -%}
  {{ return(['SELECTIVE RUN', 0]) }}
{% endmacro %}

{% macro gen_run_log_start() %}
  {%- if not gen_runs_nodes() -%}{{ return('') }}{%- endif -%}
  {%- do gen_ensure_run_log() -%}
  {%- set selected = invocation_args_dict.get('select') or [] -%}
  {%- set run_type, retry_sequence = gen_run_type() -%}
  {%- set values = [gen_sql_string(invocation_id), gen_sql_string(project_name),
                    gen_sql_string(invocation_args_dict.get('which')), gen_sql_string(run_type),
                    retry_sequence | string, gen_sql_string(selected | join(' ')) if selected else 'null',
                    "'RUNNING'", gen_current_timestamp(), gen_sql_string(target.name), gen_sql_string(dbt_version)] -%}
  {%- do dbt.run_query('insert into ' ~ gen_run_log_relation()
        ~ ' (run_id, project_name, command, run_type, retry_sequence, selector, status, run_started_at, target_name, dbt_version)'
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
    {%- do rows.append([gen_sql_string(invocation_id), gen_sql_string(project_name), gen_sql_string(r.node.unique_id),
                        gen_sql_string(r.node.name), gen_sql_string(r.node.resource_type), gen_sql_string(status),
                        gen_sql_string(gen_retry_target(r.node)), ((r.execution_time or 0) | float) | string,
                        gen_sql_string(message) if message is not none else 'null', gen_current_timestamp()] | join(', ')) -%}
  {%- endfor -%}
  {#- INSERT ... SELECT (Snowflake rejects function calls in VALUES), a few hundred rows a statement -#}
  {%- for batch in rows | batch(200) -%}
    {%- do dbt.run_query('insert into ' ~ gen_model_log_relation()
          ~ ' (run_id, project_name, unique_id, node_name, resource_type, status, retry_target, execution_time_s, message, logged_at)\n'
          ~ 'select ' ~ batch | join('\nunion all select ')) -%}
  {%- endfor -%}
  {%- do dbt.run_query('update ' ~ gen_run_log_relation() ~ ' set status = '
        ~ ("'FAILED'" if failed else "'SUCCESS'") ~ ', run_ended_at = ' ~ gen_current_timestamp()
        ~ ', nodes_executed = ' ~ results | length ~ ', nodes_failed = ' ~ failed | length
        ~ ' where run_id = ' ~ gen_sql_string(invocation_id)) -%}
  {{ return('') }}
{% endmacro %}
