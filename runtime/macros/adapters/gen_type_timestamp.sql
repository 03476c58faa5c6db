{#- Shorthand for the runtime's own SQL. -#}
{% macro gen_type_timestamp() %}{{ return(gen_column_type('timestamp')) }}{% endmacro %}
