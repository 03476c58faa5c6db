{#- Claims the unfinished executions of a fan-out workflow whose key is still in the model (one conditional
    UPDATE, gen_claim_executions), then reads those this run holds, with their row (one statement).
    Returns [{execution_id, key, steps_completed, start_time, outputs, row, input}] (input: the one the
    execution started with, or none). An unfinished execution whose key
    left the model waits in the state table until the key comes back; one another run holds is left to it.
    Values are selected with a text prefix so that agate never re-types them. -#}
{% macro gen_fanout_load(wf, rows_relation) %}
  {%- set fe = wf['for_each'] -%}
  {%- do gen_claim_executions(wf, fe['key'] ~ ' in (select cast(gen_m.' ~ fe['key'] ~ ' as ' ~ gen_type_string()
      ~ ') from ' ~ rows_relation ~ ' as gen_m)') -%}
  {%- set cols = ["'s:' || gen_s.execution_id", "'s:' || gen_s." ~ fe['key'], 'gen_s.steps_completed',
                  "'s:' || cast(gen_s.start_time as " ~ gen_type_string() ~ ')', "'s:' || " ~ gen_row_json_sql('gen_m'),
                  "'s:' || coalesce(gen_s.lease_owner, '')",
                  "case when gen_s." ~ wf['state']['input_column'] ~ " is null then null else 's:' || "
                      ~ gen_json_text('gen_s.' ~ wf['state']['input_column']) ~ ' end'] -%}
  {%- for c in wf['output_columns'] -%}
    {#- as text, whatever the output's type: the steps after it read outputs as text (gen_find_active_execution) -#}
    {%- do cols.append("case when gen_s." ~ c ~ " is null then null else 's:' || cast(gen_s." ~ c ~ ' as ' ~ gen_type_string() ~ ') end') -%}
  {%- endfor -%}
  {%- set rows = dbt.run_query('select ' ~ cols | join(', ') ~ ' from ' ~ gen_relation(wf['state']['table'])
      ~ ' as gen_s join ' ~ rows_relation ~ ' as gen_m on cast(gen_m.' ~ fe['key'] ~ ' as ' ~ gen_type_string()
      ~ ') = gen_s.' ~ fe['key'] ~ ' where gen_s.workflow = ' ~ gen_sql_string(wf['name'])
      ~ " and gen_s.completed = false and gen_s.status <> 'error' order by gen_s.start_time, 2").rows -%}
  {%- set seen = {} -%}
  {%- set held = [] -%}
  {%- set out = [] -%}
  {%- for row in rows -%}
    {%- set execution_id = row[0][2:] -%}
    {#- a key the model holds twice: its first row -#}
    {%- if execution_id in seen -%}
    {%- elif row[5][2:] != gen_lease_owner() -%}
      {%- do seen.update({execution_id: true}) -%}
      {%- do held.append(execution_id) -%}
    {%- else -%}
      {%- do seen.update({execution_id: true}) -%}
      {%- set outputs = {} -%}
      {%- for c in wf['output_columns'] -%}
        {%- set value = row[7 + loop.index0] -%}
        {%- if value is not none -%}{%- do outputs.update({c: value[2:]}) -%}{%- endif -%}
      {%- endfor -%}
      {%- do out.append({'execution_id': execution_id, 'key': row[1][2:], 'steps_completed': row[2] | int,
                         'start_time': row[3][2:], 'row': fromjson(row[4][2:]), 'outputs': outputs,
                         'input': fromjson(row[6][2:]) if row[6] is not none else none}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if held | length > 0 -%}
    {{ log(gen_log_prefix(wf, 'for_each') ~ held | length ~ ' unfinished execution(s) held by another dbt run, left to it', info=true) }}
  {%- endif -%}
  {{ return(out) }}
{% endmacro %}
