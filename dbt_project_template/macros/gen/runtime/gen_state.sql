{#- State table and attempt log of a stateful workflow. Identifiers are unquoted on purpose, so that
    hand-written monitoring SQL (unquoted names) works on Snowflake too. -#}

{% macro gen_relation(identifier) %}
  {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier=identifier,
                                quote_policy={'database': false, 'schema': false, 'identifier': false})) }}
{% endmacro %}

{#- The columns of both tables are the workflow definition's (columns.state, columns.attempts). -#}
{% macro gen_ensure_state_tables(wf) %}
  {%- do gen_ensure_table(gen_relation(wf['state']['table']), gen_column_definitions(wf['columns']['state'])) -%}
  {%- do gen_ensure_table(gen_relation(wf['state']['attempt_log_table']),
                          gen_column_definitions(wf['columns']['attempts'])) -%}
{% endmacro %}

{#- Creates the schema of `relation` only when it is missing. The setup SQL (snowflake/00_schemas.sql) creates the
    schemas; on Snowflake even CREATE SCHEMA IF NOT EXISTS of an existing schema needs the CREATE SCHEMA privilege
    on the database, which the role that runs dbt should not need
    (https://docs.snowflake.com/en/sql-reference/sql/create-schema). Checking first needs only USAGE. -#}
{% macro gen_ensure_schema(relation) %}
  {%- if not adapter.check_schema_exists(relation.database, relation.schema) -%}
    {%- do adapter.create_schema(relation) -%}
  {%- endif -%}
{% endmacro %}

{#- Creates the table, or adds the columns a changed spec introduced (a new output, flag or step), so that
    the next run after a spec change works on the existing table and keeps its history. -#}
{% macro gen_ensure_table(relation, columns) %}
  {%- do dbt.run_query('create table if not exists ' ~ relation ~ ' (\n    ' ~ columns | join(',\n    ') ~ '\n)') -%}
  {#- not adapter.get_columns_in_relation: that opens a transaction (auto_begin), and the state transitions
      after it would then be rolled back with a failing node instead of autocommitted -#}
  {%- set existing = [] -%}
  {%- for c in dbt.run_query('select * from ' ~ relation ~ ' where 1 = 0').column_names -%}
    {%- do existing.append(c | lower) -%}
  {%- endfor -%}
  {%- for definition in columns -%}
    {%- set name = definition.split(' ')[0] -%}
    {%- if name | lower not in existing -%}
      {%- do dbt.run_query('alter table ' ~ relation ~ ' add column ' ~ definition.replace(' not null', '')) -%}
    {%- endif -%}
  {%- endfor -%}
{% endmacro %}

{#- One statement per state transition: the row moves atomically or not at all. -#}
{% macro gen_state_update(wf, execution_id, assignments) %}
  {%- set sets = [] -%}
  {%- for col, expr in assignments.items() -%}{%- do sets.append(col ~ ' = ' ~ expr) -%}{%- endfor -%}
  {%- do dbt.run_query('update ' ~ gen_relation(wf['state']['table']) ~ ' set ' ~ sets | join(', ')
                   ~ ' where execution_id = ' ~ gen_sql_string(execution_id)) -%}
{% endmacro %}

{% macro gen_state_insert(wf, execution_id, first_step) %}
  {%- set cols = ['execution_id', 'workflow', 'status', 'current_step', 'steps_completed', 'poll_count',
                  'start_time', 'completed', 'message', wf['state']['input_column']] -%}
  {%- set vals = [gen_sql_string(execution_id), gen_sql_string(wf['name']), "'pending'", gen_sql_string(first_step),
                  '0', '0', gen_current_timestamp(), 'false', gen_sql_string('Execution started'),
                  gen_json_literal(wf['input'])] -%}
  {%- for f in wf['flag_columns'] -%}{%- do cols.append(f) -%}{%- do vals.append('false') -%}{%- endfor -%}
  {#- insert ... select, not values: Snowflake accepts no function call (parse_json) in a VALUES clause -#}
  {%- do dbt.run_query('insert into ' ~ gen_relation(wf['state']['table']) ~ ' (' ~ cols | join(', ')
                   ~ ') select ' ~ vals | join(', ')) -%}
{% endmacro %}

{#- Appends one row per HTTP attempt of a call, in one statement, before the state row moves on. -#}
{% macro gen_log_attempts(wf, execution_id, step, call_number, request, result) %}
  {%- set columns = wf['columns']['attempts'] -%}
  {%- set rows = [] -%}
  {%- for a in result['attempts'] -%}
    {%- set is_last = loop.last -%}
    {%- set values = {
        'execution_id': gen_sql_string(execution_id),
        'workflow': gen_sql_string(wf['name']),
        'step': gen_sql_string(step['name']),
        'step_index': step['index'] | string,
        'call_number': call_number | string,
        'attempt': a['attempt'] | string,
        'http_method': gen_sql_string(request['method']),
        'url': gen_sql_string(request['display_url']),
        'http_status': (a['status_code'] | string) if a['status_code'] is not none else 'null',
        'outcome': gen_sql_string(a['outcome']),
        'latency_ms': (a['latency_ms'] | int) | string,
        'error': gen_sql_string(a['error']) if a['error'] is not none else 'null',
        'response': gen_json_literal(result['body'] if is_last and result['body'] is not none
                                     else (result['text'] if is_last else none)),
        'logged_at': gen_current_timestamp()} -%}
    {%- do rows.append('select ' ~ gen_row_values(columns, values) | join(', ')) -%}
  {%- endfor -%}
  {%- if rows | length > 0 -%}
    {%- do dbt.run_query('insert into ' ~ gen_relation(wf['state']['attempt_log_table'])
        ~ ' (' ~ columns | map(attribute='name') | join(', ') ~ ') ' ~ rows | join(' union all ')) -%}
  {%- endif -%}
{% endmacro %}

{#- The unfinished execution of this workflow, if any, as {execution_id, steps_completed, outputs, start_time_epoch}.
    Values are selected with a text prefix so that agate never re-types them. -#}
{% macro gen_find_active_execution(wf) %}
  {%- set cols = ["'s:' || execution_id as execution_id", "steps_completed",
                  "'s:' || cast(start_time as " ~ gen_type_string() ~ ") as start_time"] -%}
  {%- for c in wf['output_columns'] -%}
    {%- do cols.append("case when " ~ c ~ " is null then null else 's:' || " ~ c ~ " end as " ~ c) -%}
  {%- endfor -%}
  {%- set rows = dbt.run_query('select ' ~ cols | join(', ') ~ ' from ' ~ gen_relation(wf['state']['table'])
      ~ ' where workflow = ' ~ gen_sql_string(wf['name']) ~ " and completed = false and status <> 'error'"
      ~ ' order by start_time desc limit 1').rows -%}
  {%- if rows | length == 0 -%}{{ return(none) }}{%- endif -%}
  {#- read by position: Snowflake reports unquoted column names upper-case, DuckDB as written -#}
  {%- set row = rows[0] -%}
  {%- set outputs = {} -%}
  {%- for c in wf['output_columns'] -%}
    {%- set value = row[3 + loop.index0] -%}
    {%- if value is not none -%}{%- do outputs.update({c: value[2:]}) -%}{%- endif -%}
  {%- endfor -%}
  {{ return({'execution_id': row[0][2:], 'steps_completed': row[1] | int,
             'start_time': row[2][2:], 'outputs': outputs}) }}
{% endmacro %}
