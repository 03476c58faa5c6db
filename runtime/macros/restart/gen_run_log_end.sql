{#- on-run-end (with dbt's `results`): a DBT_MODEL_LOG row per node, then this invocation's DBT_RUN_LOG row
    finished (SUCCESS or FAILED, with its counts). -#}
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
