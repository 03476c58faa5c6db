{#- What a new execution's state row holds besides its id (and a for_each key): {column: SQL expression}, in
    order. It starts at the first step, pending, with `input`, held by this run (gen_claim_executions). One
    execution (gen_state_insert) or a batch of fan-out rows (gen_fanout_start) inserts it. -#}
{% macro gen_new_execution_values(wf, input) %}
  {%- set values = {'workflow': gen_sql_string(wf['name']), 'status': "'pending'",
                    'current_step': gen_sql_string(wf['steps'][0]['name']), 'steps_completed': '0', 'poll_count': '0',
                    'start_time': gen_current_timestamp(), 'completed': 'false',
                    'message': gen_sql_string('Execution started'), wf['state']['input_column']: gen_json_literal(input),
                    'lease_owner': gen_sql_string(gen_lease_owner()), 'lease_expires_at': gen_lease_expiry(wf)} -%}
  {%- for f in wf['flag_columns'] -%}{%- do values.update({f: 'false'}) -%}{%- endfor -%}
  {{ return(values) }}
{% endmacro %}
