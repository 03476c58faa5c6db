{#- One statement moves many state rows: `shared` (column -> SQL expression over the row itself) is set on every
    row of `execution_ids`; `per_row` ({execution_id: {column: SQL expression}}, the same columns for every row)
    sets each row's own values, joined from a derived table. Like gen_state_update, it renews this run's lease
    and moves no row another run has taken over. -#}
{% macro gen_state_update_batch(wf, execution_ids, shared, per_row=none) %}
  {%- if execution_ids | length == 0 -%}{{ return(none) }}{%- endif -%}
  {%- set state = gen_relation(wf['state']['table']) -%}
  {%- set sets = [] -%}
  {%- for col, expr in shared.items() -%}{%- do sets.append(col ~ ' = ' ~ expr) -%}{%- endfor -%}
  {%- do sets.append('lease_expires_at = ' ~ gen_lease_expiry(wf)) -%}
  {%- set held = state ~ '.lease_owner = ' ~ gen_sql_string(gen_lease_owner()) -%}
  {%- set columns = (per_row[execution_ids[0]].keys() | list) if per_row else [] -%}
  {%- if columns | length == 0 -%}
    {%- set ids = [] -%}
    {%- for id in execution_ids -%}{%- do ids.append(gen_sql_string(id)) -%}{%- endfor -%}
    {%- do dbt.run_query('update ' ~ state ~ ' set ' ~ sets | join(', ')
        ~ ' where execution_id in (' ~ ids | join(', ') ~ ') and ' ~ held) -%}
    {{ return(none) }}
  {%- endif -%}
  {%- for col in columns -%}{%- do sets.append(col ~ ' = gen_v.' ~ col) -%}{%- endfor -%}
  {%- set selects = [] -%}
  {%- for id in execution_ids -%}
    {%- set exprs = [gen_sql_string(id) ~ ' as gen_execution_id'] -%}
    {%- for col in columns -%}{%- do exprs.append(per_row[id][col] ~ ' as ' ~ col) -%}{%- endfor -%}
    {%- do selects.append('select ' ~ exprs | join(', ')) -%}
  {%- endfor -%}
  {%- do dbt.run_query('update ' ~ state ~ ' set ' ~ sets | join(', ') ~ ' from (' ~ selects | join(' union all ')
      ~ ') as gen_v where ' ~ state ~ '.execution_id = gen_v.gen_execution_id and ' ~ held) -%}
{% endmacro %}
