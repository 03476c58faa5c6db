{#- The project facts a generated project's macros/gen/gen_project.sql gives the runtime, for this project. -#}
{% macro gen_package_name() %}{{ return('gen_runtime_tests') }}{% endmacro %}

{% macro gen_project_settings() %}
  {{ return({'sync': false, 'http_procedure': 'GEN_RUNTIME_TESTS.PUBLIC.HTTP_REQUEST',
             'http_batch_procedure': 'GEN_RUNTIME_TESTS.PUBLIC.HTTP_BATCH'}) }}
{% endmacro %}

{#- auto-restart's settings: a generous age limit (the seeded runs are years old), and the two log tables are
    the seeds restart_run_log and restart_model_log. -#}
{% macro gen_restart_settings() %}
  {{ return({'project': 'gen_runtime_tests', 'max_retries': 2, 'max_age_hours': 500000.0, 'log_database': '',
             'log_schema': '', 'run_log_table': 'restart_run_log', 'model_log_table': 'restart_model_log'}) }}
{% endmacro %}
