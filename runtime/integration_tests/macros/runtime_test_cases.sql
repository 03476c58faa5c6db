{#- The rows of a seed of cases as dicts (case_id, input, expected), read with the runtime's gen_rows_as_dicts.
    Empty while dbt parses the project (nothing is read then). -#}
{% macro runtime_test_cases(seed) %}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {{ return(gen_rows_as_dicts(run_query('select * from ' ~ seed ~ ' order by case_id'))) }}
{% endmacro %}
