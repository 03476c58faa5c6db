{#- The message of an output whose value does not convert to its type (gen_output_value). -#}
{% macro gen_output_conversion_error(output, value) %}
  {%- set shown = tojson(value) -%}
  {{ return('output ' ~ output[0] ~ ': ' ~ output[2] ~ ' is ' ~ (shown if shown | length <= 80 else shown[:80] ~ '...')
            ~ ', which does not convert to ' ~ (output[3] if output | length > 3 else 'string')) }}
{% endmacro %}
