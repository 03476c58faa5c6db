{#- A new execution, held by this run from the start (gen_claim_executions). -#}
{% macro gen_state_insert(wf, execution_id, first_step, input) %}
  {%- set cols = ['execution_id', 'workflow', 'status', 'current_step', 'steps_completed', 'poll_count',
                  'start_time', 'completed', 'message', wf['state']['input_column'], 'lease_owner', 'lease_expires_at'] -%}
  {%- set vals = [gen_sql_string(execution_id), gen_sql_string(wf['name']), "'pending'", gen_sql_string(first_step),
                  '0', '0', gen_current_timestamp(), 'false', gen_sql_string('Execution started'),
                  gen_json_literal(input), gen_sql_string(gen_lease_owner()), gen_lease_expiry(wf)] -%}
  {%- for f in wf['flag_columns'] -%}{%- do cols.append(f) -%}{%- do vals.append('false') -%}{%- endfor -%}
  {#- insert ... select, not values: Snowflake accepts no function call (parse_json) in a VALUES clause -#}
  {%- do dbt.run_query('insert into ' ~ gen_relation(wf['state']['table']) ~ ' (' ~ cols | join(', ')
                   ~ ') select ' ~ vals | join(', ')) -%}
{% endmacro %}
