{#- gen_sql_string: every text, as a literal that DuckDB reads back as the same text. -#}
{%- set rows = [] -%}
{%- for c in runtime_test_cases(ref('string_cases')) -%}
  {%- do rows.append('select ' ~ gen_sql_string(c['case_id']) ~ ' as case_id, ' ~ gen_sql_string(c['expected']) ~ ' as actual') -%}
{%- endfor -%}
{{ rows | join('\nunion all\n') if rows else 'select null as case_id, null as actual where false' }}
