{#- The HTTP primitive, one of the two things that differ per adapter.
    Returns the SQL whose single cell is the JSON result of gen_http_core.http_request. -#}
{% macro gen_http_request_sql(method, url, headers_json, body_json, options_json) %}
  {{ return(adapter.dispatch('gen_http_request_sql', gen_package_name())(method, url, headers_json, body_json, options_json)) }}
{% endmacro %}

{% macro default__gen_http_request_sql(method, url, headers_json, body_json, options_json) %}
  {{ exceptions.raise_compiler_error("gen: no HTTP primitive for adapter '" ~ adapter.type() ~ "' (supported: duckdb, snowflake)") }}
{% endmacro %}

{% macro duckdb__gen_http_request_sql(method, url, headers_json, body_json, options_json) %}
  {%- set args = [method, url, headers_json, body_json, options_json] -%}
  {%- set sql_args = [] -%}
  {%- for a in args -%}
    {%- do sql_args.append(gen_sql_string(a) if a is not none else 'null') -%}
  {%- endfor -%}
  {{ return('select gen_http_request(' ~ sql_args | join(', ') ~ ') as response') }}
{% endmacro %}

{#- Snowflake: CALL of the Python procedure created by snowflake/04_gen_http_request_procedure.sql (gen deploy).
    It returns one VARIANT cell, which the connector hands over as JSON text. The procedure's name can be
    overridden with --vars '{gen_http_procedure: DB.SCHEMA.NAME}'; its default is the project's
    (gen_project_settings). -#}
{% macro snowflake__gen_http_request_sql(method, url, headers_json, body_json, options_json) %}
  {%- set default_procedure = gen_project_settings()['http_procedure'] -%}
  {%- set procedure = var('gen_http_procedure', default_procedure) -%}
  {%- set sql_args = [] -%}
  {%- for a in [method, url, headers_json, body_json, options_json] -%}
    {%- do sql_args.append(gen_sql_string(a) if a is not none else 'cast(null as varchar)') -%}
  {%- endfor -%}
  {{ return('call ' ~ procedure ~ '(' ~ sql_args | join(', ') ~ ')') }}
{% endmacro %}
