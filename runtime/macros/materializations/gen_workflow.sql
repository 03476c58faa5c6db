{#- Runs a workflow as part of `dbt run` / `dbt build` of its model, and only then: dbt executes
    materializations for run and build, never for compile, parse, docs, ls, show or test.
    config meta (custom config keys belong there from dbt 1.10 on): gen_workflow (definition macro name),
    gen_mode ('stateful' | 'stateless').
    stateful:  runs the flow, then the model is a view over the state table (the model SQL).
    stateless: runs the flow in memory, then the model is a one-row table of the result; a failed run writes
               its row too (workflow_status 'error' and the message), then fails the node. -#}
{% materialization gen_workflow, default %}
  {%- set gen_meta = config.require('meta') -%}
  {%- set mode = gen_meta['gen_mode'] -%}
  {%- set wf = context[gen_meta['gen_workflow']]() -%}
  {%- set relation_type = 'view' if mode == 'stateful' else 'table' -%}
  {%- set target_relation = this.incorporate(type=relation_type) -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}

  {#- The workflow runs before any transaction is opened: each state transition autocommits,
      so the trail survives a failure or a killed process. -#}
  {%- set result = gen_run_workflow(wf, mode) -%}
  {#- finished either way: queued for `gen sync` before a failure fails the node -#}
  {%- if mode == 'stateful' and gen_project_settings()['sync'] and not result.get('held') -%}
    {%- do gen_sync_enqueue(wf, result['finished_ids'] if result.get('fanout') else result['execution_id']) -%}
  {%- endif -%}
  {%- if not result['ok'] and result.get('fanout') -%}
    {{ exceptions.raise_dependency_error('gen: workflow ' ~ wf['name'] ~ ' (for_each): ' ~ result['error']) }}
  {%- endif -%}
  {%- set failure = 'gen: workflow ' ~ wf['name'] ~ ' (' ~ mode ~ ', execution ' ~ result['execution_id']
                   ~ ') failed at ' ~ result['error'] -%}
  {#- A failed workflow is a run-time failure, not a compilation error: raise_dependency_error is the one
      exception of dbt's Jinja context that dbt reports as "Runtime Error in model ..." with this message.
      The state table holds a stateful failure already; a stateless one is its result row, written first. -#}
  {%- if not result['ok'] and mode == 'stateful' -%}{{ exceptions.raise_dependency_error(failure) }}{%- endif -%}

  {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
  {%- if existing is not none -%}{%- do adapter.drop_relation(existing) -%}{%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- call statement('main') -%}
    {%- if mode == 'stateful' -%}
      {{ get_create_view_as_sql(target_relation, sql) }}
    {%- else -%}
      {{ get_create_table_as_sql(False, target_relation, gen_result_row_sql(wf, result)) }}
    {%- endif -%}
  {%- endcall -%}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {%- do adapter.commit() -%}
  {%- if not result['ok'] -%}{{ exceptions.raise_dependency_error(failure) }}{%- endif -%}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- The stateless result as a one-row select, in the order of columns.result of the workflow definition. The
    literals keep their own types; an output is converted to its column's type from the step's last response,
    and is a null of that type when its step did not run or the value is missing or does not convert. -#}
{% macro gen_result_row_sql(wf, result) %}
  {%- set columns = wf['columns']['result'] -%}
  {%- set values = {
      'execution_id': gen_sql_string(result['execution_id']),
      'workflow': gen_sql_string(wf['name']),
      'workflow_status': gen_sql_string(result['status']),
      'message': gen_sql_string(result['message']),
      'steps_completed': (result['steps_total'] if result['ok'] else [result['steps'] | length - 1, 0] | max) | string,
      'http_calls': result['http_calls'] | string,
      'poll_count': result['polls'] | string,
      'elapsed_ms': result['elapsed_ms'] | string,
      'responses': gen_json_literal(result['steps']),
      'execution_timestamp': gen_current_timestamp()} -%}
  {%- for c in columns if c['name'] in wf['output_columns'] -%}
    {%- for step in wf['steps'] -%}
      {%- for o in step['outputs'] if o[0] == c['name'] -%}
        {%- set ran = result['steps'].get(step['name']) -%}
        {%- set value = gen_output_value(o, ran['response']) if ran is not none else {'sql': 'null'} -%}
        {%- do values.update({c['name']: 'cast(' ~ value['sql'] ~ ' as ' ~ gen_column_type(c['type']) ~ ')'}) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set cols = [] -%}
  {%- for expr in gen_row_values(columns, values) -%}
    {%- do cols.append(expr ~ ' as ' ~ columns[loop.index0]['name']) -%}
  {%- endfor -%}
  {{ return('select ' ~ cols | join(',\n       ')) }}
{% endmacro %}
