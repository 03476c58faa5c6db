{#- accepted_values with every value escaped as a SQL literal: dbt's built-in test pastes values between
    quotes unescaped, so a status name holding a quote would break it. -#}
{% test gen_accepted_values(model, column_name, values) %}
select {{ column_name }} as unexpected_value
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (
    {%- for value in values -%}
      {{ gen_sql_string(value) }}{% if not loop.last %}, {% endif %}
    {%- endfor -%}
  )
{% endtest %}
