{#- An output of a step, taken from the step's response: {error, text, sql, value}.
    output: [name, JSONPath segments, JSONPath as written, type] from the workflow definition (type string when absent).
    text: the value as ${steps.<step>.<output>} references see it (text as it is, any other JSON value as JSON).
    sql: the value as an expression of its column's type, converted in SQL by the database's own cast; a value
    the cast refuses (try_cast gives null) is an error that names the output, rather than a failing statement.
    error: why the output has no value (not found, or does not convert), else none.
    value: the JSON value as found (none when not found).
    try_cast takes text on both adapters (Snowflake: "The column argument must be a string column",
    https://docs.snowflake.com/en/developer-guide/snowpark/reference/python/api/snowflake.snowpark.functions.try_cast),
    so the value goes to it as a string literal. check=false leaves out the statement that checks the conversion
    (a fan-out step checks every row's values in one statement): the result then has `unchecked` true when its
    sql is such a try_cast, whose null means the value does not convert (gen_output_conversion_error says so). -#}
{% macro gen_output_value(output, response, check=true) %}
  {%- set name = output[0] -%}
  {%- set type = output[3] if output | length > 3 else 'string' -%}
  {%- set found = gen_jsonpath(response, output[1]) -%}
  {%- if not found['found'] or found['value'] is none -%}
    {{ return({'error': 'output ' ~ name ~ ': ' ~ output[2] ~ ' not found in the response', 'text': none, 'sql': 'null', 'value': none}) }}
  {%- endif -%}
  {%- set value = found['value'] -%}
  {%- set text = value if value is string else tojson(value) -%}
  {%- if type == 'string' -%}
    {{ return({'error': none, 'text': text, 'sql': gen_sql_string(text), 'value': value}) }}
  {%- elif type == 'json' -%}
    {{ return({'error': none, 'text': text, 'sql': gen_json_literal(value), 'value': value}) }}
  {%- endif -%}
  {%- set sql = 'try_cast(' ~ gen_sql_string(text) ~ ' as ' ~ gen_column_type(type) ~ ')' -%}
  {%- if not check -%}{{ return({'error': none, 'text': text, 'sql': sql, 'value': value, 'unchecked': true}) }}{%- endif -%}
  {%- if dbt.run_query('select case when ' ~ sql ~ ' is null then 1 else 0 end').rows[0][0] | int == 1 -%}
    {{ return({'error': gen_output_conversion_error(output, value), 'text': none, 'sql': 'null', 'value': value}) }}
  {%- endif -%}
  {{ return({'error': none, 'text': text, 'sql': sql, 'value': value}) }}
{% endmacro %}
