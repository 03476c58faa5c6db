{#- gen_json_literal: every text inside a JSON value of DuckDB's JSON type, read back as the same text. -#}
{%- set rows = [] -%}
{%- for c in runtime_test_cases(ref('string_cases')) -%}
  {%- do rows.append('select ' ~ gen_sql_string(c['case_id']) ~ ' as case_id, json_extract_string('
      ~ gen_json_literal({'key': [c['expected']]}) ~ ", '$.key[0]') as actual") -%}
{%- endfor -%}
{{ rows | join('\nunion all\n') if rows else 'select null as case_id, null as actual where false' }}
