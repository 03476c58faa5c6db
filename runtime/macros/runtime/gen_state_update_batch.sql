{#- One statement moves many state rows: `shared` (column -> SQL expression over the row itself) is set on every
    row of `execution_ids`; `per_row` ({execution_id: {column: plain value}}, the same columns for every row)
    sets each row's own values, typed by the state table's columns and joined from one JSON text
    (gen_json_rows_sql). Like gen_state_update, it renews this run's lease and moves no row another run has
    taken over. -#}
{% macro gen_state_update_batch(wf, execution_ids, shared, per_row=none) %}
  {%- if execution_ids | length == 0 -%}{{ return(none) }}{%- endif -%}
  {%- set state = gen_relation(wf['state']['table']) -%}
  {%- set sets = [] -%}
  {%- for col, expr in shared.items() -%}{%- do sets.append(col ~ ' = ' ~ expr) -%}{%- endfor -%}
  {%- do sets.append('lease_expires_at = ' ~ gen_lease_expiry(wf)) -%}
  {%- set held = state ~ '.lease_owner = ' ~ gen_sql_string(gen_lease_owner()) -%}
  {%- set names = (per_row[execution_ids[0]].keys() | list) if per_row else [] -%}
  {%- if names | length == 0 -%}
    {%- set ids = [] -%}
    {%- for id in execution_ids -%}{%- do ids.append(gen_sql_string(id)) -%}{%- endfor -%}
    {%- do dbt.run_query('update ' ~ state ~ ' set ' ~ sets | join(', ')
        ~ ' where execution_id in (' ~ ids | join(', ') ~ ') and ' ~ held) -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set columns = [{'name': 'gen_execution_id', 'type': 'string'}] -%}
  {%- for c in wf['columns']['state'] if c['name'] in names -%}
    {%- do columns.append(c) -%}
    {%- do sets.append(c['name'] ~ ' = gen_v.' ~ c['name']) -%}
  {%- endfor -%}
  {%- if columns | length != names | length + 1 -%}
    {{ exceptions.raise_compiler_error('gen: the runtime sets columns the state table does not have: ' ~ names | join(', ')) }}
  {%- endif -%}
  {%- set rows = [] -%}
  {%- for id in execution_ids -%}{%- do rows.append(dict(per_row[id], gen_execution_id=id)) -%}{%- endfor -%}
  {%- do dbt.run_query('update ' ~ state ~ ' set ' ~ sets | join(', ') ~ ' from (' ~ gen_json_rows_sql(columns, rows)
      ~ ') as gen_v where ' ~ state ~ '.execution_id = gen_v.gen_execution_id and ' ~ held) -%}
{% endmacro %}
