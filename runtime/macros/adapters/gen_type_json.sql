{#- Shorthand for the runtime's own SQL. -#}
{% macro gen_type_json() %}{{ return(gen_column_type('json')) }}{% endmacro %}
