{#- A for_each workflow (stateful): one execution per key of the model wf.for_each.model, keyed in the state table.
    New keys start, unfinished executions resume at their step, completed keys are not run again, and a key whose
    execution failed starts again. The steps run in order, each for every row at it as one batch
    (gen_fanout_step), so the number of statements grows with steps and polls, not with rows. A new execution
    records the input of this run (gen_workflow_input: the spec's defaults, --vars, run-operation's input); a
    resumed one goes on with the input it started with. Never raises for a row's failure: the result says how
    many rows failed, and is not ok when more than for_each.max_failed_rows did; the caller fails the node
    after every transition is written. -#}
{% macro gen_run_fanout(wf, inputs=none) %}
  {%- set fe = wf['for_each'] -%}
  {%- set started = modules.datetime.datetime.now(modules.pytz.utc) -%}
  {%- set rows_relation = ref(fe['model']) -%}
  {%- do gen_ensure_state_tables(wf) -%}

  {#- a column that `${row.<column>}` reads and the model lacks fails the run before any call -#}
  {%- set present = [] -%}
  {#- a query, not adapter.get_columns_in_relation: that one opens a transaction, which a failing node would roll
      back with every transition of the run -#}
  {%- for c in dbt.run_query('select * from ' ~ rows_relation ~ ' where 1 = 0').column_names -%}{%- do present.append(c | lower) -%}{%- endfor -%}
  {%- for c in [fe['key']] + fe['row_columns'] -%}
    {%- if c | lower not in present -%}
      {{ exceptions.raise_compiler_error('gen: workflow ' ~ wf['name'] ~ ': for_each model ' ~ fe['model']
          ~ ' has no column ' ~ c ~ ' (its columns: ' ~ present | join(', ') ~ ')') }}
    {%- endif -%}
  {%- endfor -%}

  {#- resolved before any call: a name the spec does not declare fails the run here -#}
  {%- set run_input = gen_workflow_input(wf, inputs) -%}
  {%- do gen_fanout_start(wf, rows_relation, started, run_input) -%}
  {%- set items = [] -%}
  {%- set loaded = gen_fanout_load(wf, rows_relation) -%}
  {%- for e in loaded -%}
    {%- set steps = {} -%}
    {#- the outputs of the steps it completed before, for ${steps.<step>.<output>} -#}
    {%- for step in wf['steps'][:e['steps_completed']] -%}
      {%- set outs = {} -%}
      {%- for o in step['outputs'] if o[0] in e['outputs'] -%}{%- do outs.update({o[0]: e['outputs'][o[0]]}) -%}{%- endfor -%}
      {%- do steps.update({step['name']: outs}) -%}
    {%- endfor -%}
    {%- do items.append({'execution_id': e['execution_id'], 'key': e['key'], 'position': e['steps_completed'],
        'failed': false, 'error': none, 'calls': 0, 'attempts': 0, 'polls': 0,
        'ctx': {'input': e['input'] if e['input'] is not none else run_input, 'row': e['row'], 'steps': steps,
                'execution': {'id': e['execution_id'], 'started_at': e['start_time']}}}) -%}
  {%- endfor -%}
  {{ log(gen_log_prefix(wf, 'for_each') ~ items | length ~ ' unfinished execution(s) of ' ~ fe['model'], info=true) }}

  {%- for step in wf['steps'] -%}
    {%- set batch = [] -%}
    {%- for it in items if it['position'] == step['index'] and not it['failed'] -%}{%- do batch.append(it) -%}{%- endfor -%}
    {%- if batch | length > 0 -%}{%- do gen_fanout_step(wf, step, batch) -%}{%- endif -%}
  {%- endfor -%}

  {%- set done = [] -%}
  {%- set failed = [] -%}
  {%- set totals = namespace(calls=0, attempts=0, polls=0) -%}
  {%- for it in items -%}
    {%- set totals.calls = totals.calls + it['calls'] -%}
    {%- set totals.attempts = totals.attempts + it['attempts'] -%}
    {%- set totals.polls = totals.polls + it['polls'] -%}
    {%- if it['failed'] -%}{%- do failed.append(it) -%}
    {%- elif it['position'] == wf['steps'] | length -%}{%- do done.append(it['execution_id']) -%}{%- endif -%}
  {%- endfor -%}
  {%- do gen_state_update_batch(wf, done, {'status': gen_sql_string(wf['final_status']), 'completed': 'true',
      'message': gen_sql_string('Workflow completed successfully'), 'end_time': gen_current_timestamp()}) -%}

  {#- rows per status over every key of the workflow, earlier runs included -#}
  {%- set counts = {} -%}
  {%- for row in dbt.run_query("select 's:' || coalesce(status, 'pending'), count(*) from "
      ~ gen_relation(wf['state']['table']) ~ ' as gen_s where workflow = ' ~ gen_sql_string(wf['name'])
      ~ " and not exists (select 1 from " ~ gen_relation(wf['state']['table']) ~ " as gen_later where gen_later.workflow = gen_s.workflow and gen_later."
      ~ fe['key'] ~ ' = gen_s.' ~ fe['key'] ~ ' and gen_later.start_time > gen_s.start_time) group by 1 order by 1').rows -%}
    {%- do counts.update({row[0][2:]: row[1] | int}) -%}
  {%- endfor -%}
  {%- set max_failed = fe['max_failed_rows'] -%}
  {%- set ok = failed | length <= max_failed -%}
  {%- set error = none -%}
  {%- set failures = none -%}
  {%- if failed | length > 0 -%}
    {%- set first = failed[0] -%}
    {%- set tolerance = ((', within' if ok else ', more than') ~ ' max_failed_rows ' ~ max_failed) if max_failed > 0 else '' -%}
    {%- set failures = failed | length ~ ' of ' ~ items | length ~ ' row(s) failed' ~ tolerance ~ ' (first: ' ~ fe['key'] ~ ' ' ~ first['key'] ~ ', execution ' ~ first['execution_id'] ~ ', '
        ~ first['error'] ~ '); rows per status: ' ~ tojson(counts) -%}
    {%- if not ok -%}{%- set error = failures -%}{%- endif -%}
    {#- tolerated failures do not fail the node: this line says what they were -#}
    {%- if ok -%}{{ log(gen_log_prefix(wf, 'for_each') ~ failures, info=true) }}{%- endif -%}
  {%- endif -%}
  {{ log(gen_log_prefix(wf, 'for_each') ~ 'this run: ' ~ done | length ~ ' completed, ' ~ failed | length
         ~ ' failed, ' ~ totals.calls ~ ' HTTP calls; rows per status: ' ~ tojson(counts), info=true) }}
  {%- set finished_ids = done + (failed | map(attribute='execution_id') | list) -%}
  {{ return(gen_run_result(wf, 'stateful', started, 'for_each:' ~ (items | length) ~ ' rows',
      {'ok': ok, 'status': wf['final_status'] if ok else 'error', 'error': error, 'resumed': false,
       'http_calls': totals.calls, 'http_attempts': totals.attempts, 'polls': totals.polls, 'rows': counts},
      {'fanout': true, 'finished_ids': finished_ids, 'steps': {},
       'message': failures if failures is not none else 'Workflow completed successfully'})) }}
{% endmacro %}
