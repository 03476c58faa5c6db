{#- dbt run-operation << wf.names.runOperation >> [--args '{mode: stateless, input: {<name>: value}}']
    Runs workflow << wf.name >> outside of a model; fails (non-zero exit) when the workflow fails.
    input: values for this run, in place of the spec's (the same as --vars '{<< wf.name >>: {...}}'). -#}
{% macro << wf.names.runOperation >>(mode=<< ('stateful' if wf.stateful else 'stateless') | jinja_str >>, input=none) %}
  {%- if mode not in [<% if wf.stateful %>'stateful'<% endif %><% if wf.stateful and wf.stateless %>, <% endif %><% if wf.stateless %>'stateless'<% endif %>] -%}
    {{ exceptions.raise_compiler_error("gen: workflow << wf.name >> has no mode '" ~ mode ~ "'") }}
  {%- endif -%}
  {%- set result = gen_run_workflow(<< wf.names.definitionMacro >>(), mode, input) -%}
  {%- if not result['ok'] -%}
    {{ exceptions.raise_compiler_error('gen: workflow << wf.name >> (' ~ mode ~ ', execution ' ~ result['execution_id'] ~ ') failed at ' ~ result['error']) }}
  {%- endif -%}
  {{ log('Workflow result: ' ~ result['message'], info=true) }}
  {{ return(result['execution_id']) }}
{% endmacro %}
