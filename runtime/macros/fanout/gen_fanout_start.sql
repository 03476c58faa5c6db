{#- Starts an execution for every key of the model that has none to go on with: no completed execution and no
    unfinished one (a key whose last execution failed starts again). One statement, whatever the number of keys:
    the execution id is derived from the run and the key, so the rows come straight from the model. -#}
{% macro gen_fanout_start(wf, rows_relation, started) %}
  {%- set fe = wf['for_each'] -%}
  {%- set state = gen_relation(wf['state']['table']) -%}
  {%- set key_text = 'cast(gen_m.' ~ fe['key'] ~ ' as ' ~ gen_type_string() ~ ')' -%}
  {%- set cols = ['execution_id', fe['key'], 'workflow', 'status', 'current_step', 'steps_completed', 'poll_count',
                  'start_time', 'completed', 'message', wf['state']['input_column']] -%}
  {%- set vals = [gen_sql_string('exec_' ~ started.strftime('%Y%m%d_%H%M%S') ~ '_') ~ ' || substr(md5('
                      ~ gen_sql_string(invocation_id ~ ':') ~ ' || gen_k), 1, 12)',
                  'gen_k', gen_sql_string(wf['name']), "'pending'", gen_sql_string(wf['steps'][0]['name']),
                  '0', '0', gen_current_timestamp(), 'false', gen_sql_string('Execution started'),
                  gen_json_literal(wf['input'])] -%}
  {%- for f in wf['flag_columns'] -%}{%- do cols.append(f) -%}{%- do vals.append('false') -%}{%- endfor -%}
  {%- do dbt.run_query('insert into ' ~ state ~ ' (' ~ cols | join(', ') ~ ') select ' ~ vals | join(', ')
      ~ ' from (select distinct ' ~ key_text ~ ' as gen_k from ' ~ rows_relation ~ ' as gen_m where gen_m.'
      ~ fe['key'] ~ ' is not null) as gen_keys where not exists (select 1 from ' ~ state ~ ' as gen_s where gen_s.'
      ~ fe['key'] ~ ' = gen_keys.gen_k and gen_s.workflow = ' ~ gen_sql_string(wf['name'])
      ~ " and (gen_s.completed = true or gen_s.status <> 'error'))") -%}
{% endmacro %}
