{#- Shorthand for the runtime's own SQL. -#}
{% macro gen_type_string() %}{{ return(gen_column_type('string')) }}{% endmacro %}
