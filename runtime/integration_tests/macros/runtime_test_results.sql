{#- [case_id, actual text] pairs as a select of (case_id, actual) rows, for the matches_expected test. -#}
{% macro runtime_test_results(results) %}
  {%- set rows = [] -%}
  {%- for r in results -%}
    {%- do rows.append('select ' ~ gen_sql_string(r[0]) ~ ' as case_id, '
        ~ (gen_sql_string(r[1]) if r[1] is not none else 'cast(null as varchar)') ~ ' as actual') -%}
  {%- endfor -%}
  {%- if rows | length == 0 -%}
    {%- do rows.append('select cast(null as varchar) as case_id, cast(null as varchar) as actual where false') -%}
  {%- endif -%}
  {{ return(rows | join('\nunion all\n')) }}
{% endmacro %}
