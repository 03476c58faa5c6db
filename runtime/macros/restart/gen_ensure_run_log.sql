{#- Creates auto-restart's two log tables (DBT_RUN_LOG, DBT_MODEL_LOG), or adds the columns a newer gen
    introduced to the ones gen created before. -#}
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

{#- Creates the log table, or checks that the table of that name is one gen created (it has gen's `marker`
    columns) before adding any column a newer gen introduced. A table of the same name that someone else
    created (an audit table of the same name, say) is never altered: the run stops and says what to do. -#}
{% macro gen_ensure_log_table(relation, columns, markers, setting) %}
  {%- do dbt.run_query('create table if not exists ' ~ relation ~ ' (\n    ' ~ columns | join(',\n    ') ~ '\n)') -%}
  {%- set existing = [] -%}
  {%- for c in dbt.run_query('select * from ' ~ relation ~ ' where 1 = 0').column_names -%}
    {%- do existing.append(c | lower) -%}
  {%- endfor -%}
  {%- set missing = [] -%}
  {%- for m in markers -%}{%- if m not in existing -%}{%- do missing.append(m) -%}{%- endif -%}{%- endfor -%}
  {%- if missing -%}
    {%- do exceptions.raise_compiler_error('auto-restart: the table ' ~ relation ~ ' already exists and was not'
          ~ ' created by gen (it has no column ' ~ missing | join(', ') ~ '). gen does not alter a table it did not'
          ~ ' create. Set auto_restart.' ~ setting ~ ' (or auto_restart.schema) in the spec to a name that is free'
          ~ ' and build again, or rename or drop that table if it is no longer needed.') -%}
  {%- endif -%}
  {%- do gen_ensure_table(relation, columns) -%}
{% endmacro %}
