{#- The definition of workflow << wf.name >>, read by the runtime macros.
    Every spec value below is an escaped literal; none is evaluated as Jinja or SQL. -#}
{% macro << wf.names.definitionMacro >>() %}
  {%- set definition = << wf.definition | jinja_literal(1) >> -%}
  {{ return(definition) }}
{% endmacro %}
