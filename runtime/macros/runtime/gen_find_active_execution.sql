{#- The unfinished execution of this workflow, if any, as {execution_id, steps_completed, outputs, start_time_epoch}.
    Values are selected with a text prefix so that agate never re-types them. -#}
{% macro gen_find_active_execution(wf) %}
  {%- set cols = ["'s:' || execution_id as execution_id", "steps_completed",
                  "'s:' || cast(start_time as " ~ gen_type_string() ~ ") as start_time"] -%}
  {%- for c in wf['output_columns'] -%}
    {#- as text, whatever the output's type: the steps after it read outputs as text -#}
    {%- do cols.append("case when " ~ c ~ " is null then null else 's:' || cast(" ~ c ~ " as " ~ gen_type_string() ~ ") end as " ~ c) -%}
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
