{#- The project facts a generated project's macros/gen/gen_project.sql gives the runtime, for this project. -#}
{% macro gen_package_name() %}{{ return('gen_runtime_tests') }}{% endmacro %}

{% macro gen_project_settings() %}
  {{ return({'sync': false, 'http_procedure': 'GEN_RUNTIME_TESTS.PUBLIC.HTTP_REQUEST'}) }}
{% endmacro %}
