{#- Starts an execution for every key of the model that has none to go on with: no completed execution and no
    unfinished one (a key whose last execution failed starts again). `dbt run --full-refresh` (or --vars
    '{gen_rerun_completed: true}') starts keys whose execution completed too: only an unfinished one counts.
    One statement, whatever the number of keys: the execution id is derived from the run and the key, so the
    rows come straight from the model (gen_new_execution_values: each records `input`, this run's, and is held
    by this run from the start). INSERTs of two runs may run in parallel, so a second statement then
    deletes this run's new executions of keys that another run started at the same moment: of two runs, at
    least the later one sees the other's rows, so no key is run twice (a key both withdrew starts next run). -#}
{% macro gen_fanout_start(wf, rows_relation, started, input) %}
  {%- set fe = wf['for_each'] -%}
  {%- set state = gen_relation(wf['state']['table']) -%}
  {%- set key_text = 'cast(gen_m.' ~ fe['key'] ~ ' as ' ~ gen_type_string() ~ ')' -%}
  {%- set rerun = flags.FULL_REFRESH or var('gen_rerun_completed', false) -%}
  {#- an execution that keeps a key from starting again: unfinished, or (unless rerun) completed -#}
  {%- set live = "(gen_o.completed = false and gen_o.status <> 'error')" if rerun else "(gen_o.completed = true or gen_o.status <> 'error')" -%}
  {%- set values = {'execution_id': gen_sql_string('exec_' ~ started.strftime('%Y%m%d_%H%M%S') ~ '_')
                        ~ ' || substr(md5(' ~ gen_sql_string(invocation_id ~ ':') ~ ' || gen_k), 1, 12)',
                    fe['key']: 'gen_k'} -%}
  {%- do values.update(gen_new_execution_values(wf, input)) -%}
  {%- do dbt.run_query('insert into ' ~ state ~ ' (' ~ values.keys() | join(', ') ~ ') select ' ~ values.values() | join(', ')
      ~ ' from (select distinct ' ~ key_text ~ ' as gen_k from ' ~ rows_relation ~ ' as gen_m where gen_m.'
      ~ fe['key'] ~ ' is not null) as gen_keys where not exists (select 1 from ' ~ state ~ ' as gen_o where gen_o.'
      ~ fe['key'] ~ ' = gen_keys.gen_k and gen_o.workflow = ' ~ gen_sql_string(wf['name']) ~ ' and ' ~ live ~ ')') -%}
  {%- do dbt.run_query('delete from ' ~ state ~ ' where workflow = ' ~ gen_sql_string(wf['name'])
      ~ ' and lease_owner = ' ~ gen_sql_string(gen_lease_owner()) ~ ' and steps_completed = 0'
      ~ ' and exists (select 1 from ' ~ state ~ ' as gen_o where gen_o.workflow = ' ~ gen_sql_string(wf['name'])
      ~ ' and gen_o.' ~ fe['key'] ~ ' = ' ~ state ~ '.' ~ fe['key'] ~ ' and gen_o.execution_id <> ' ~ state
      ~ '.execution_id and ' ~ live ~ ')') -%}
{% endmacro %}
