{#- The flags of an execution's state row, {flag: true|false}; {} when the workflow sets none.
    Read as text ('y'/'n') so that no adapter re-types them. -#}
{% macro gen_state_flags(wf, execution_id) %}
  {%- set flags = {} -%}
  {%- if wf['flag_columns'] | length == 0 -%}{{ return(flags) }}{%- endif -%}
  {%- set cols = [] -%}
  {%- for f in wf['flag_columns'] -%}{%- do cols.append("case when " ~ f ~ " then 'y' else 'n' end") -%}{%- endfor -%}
  {%- set rows = dbt.run_query('select ' ~ cols | join(', ') ~ ' from ' ~ gen_relation(wf['state']['table'])
      ~ ' where execution_id = ' ~ gen_sql_string(execution_id)).rows -%}
  {%- for f in wf['flag_columns'] -%}
    {%- do flags.update({f: rows | length > 0 and rows[0][loop.index0] == 'y'}) -%}
  {%- endfor -%}
  {{ return(flags) }}
{% endmacro %}
