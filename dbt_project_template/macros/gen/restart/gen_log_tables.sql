{#- Where auto-restart's two log tables live (the spec's auto_restart.run_log_table, model_log_table and schema),
    and the guard that keeps gen off a table it did not create. Unquoted names, so that hand-written SQL on
    Snowflake finds them in upper case. -#}

{% macro gen_restart_log_relation(identifier) %}
  {%- set database = << (project.autoRestart.logSchema.database if project.autoRestart.logSchema and project.autoRestart.logSchema.database else '') | jinja_str >> or target.database -%}
  {%- set schema = << (project.autoRestart.logSchema.schema if project.autoRestart.logSchema else '') | jinja_str >> or target.schema -%}
  {{ return(api.Relation.create(database=database, schema=schema, identifier=identifier,
                                quote_policy={'database': false, 'schema': false, 'identifier': false})) }}
{% endmacro %}

{% macro gen_run_log_relation() %}{{ return(gen_restart_log_relation(<< project.autoRestart.runLogTable | jinja_str >>)) }}{% endmacro %}
{% macro gen_model_log_relation() %}{{ return(gen_restart_log_relation(<< project.autoRestart.modelLogTable | jinja_str >>)) }}{% endmacro %}

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
