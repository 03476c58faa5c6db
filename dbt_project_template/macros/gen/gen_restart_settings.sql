{#- The spec's auto_restart settings, which gen's auto-restart runtime (macros/gen/restart/) reads: the limits
    of the plan (--vars gen_restart_max_retries, gen_restart_max_age_hours and gen_restart_project override
    them) and where the two log tables live (empty database or schema: the target's). -#}
{% macro gen_restart_settings() %}
  {{ return({
      'project': var('gen_restart_project', project_name),
      'max_retries': var('gen_restart_max_retries', << project.autoRestart.max_retries >>) | int,
      'max_age_hours': var('gen_restart_max_age_hours', << project.autoRestart.max_age_hours >>) | float,
      'log_database': << (project.autoRestart.logSchema.database if project.autoRestart.logSchema and project.autoRestart.logSchema.database else '') | jinja_str >>,
      'log_schema': << (project.autoRestart.logSchema.schema if project.autoRestart.logSchema else '') | jinja_str >>,
      'run_log_table': << project.autoRestart.runLogTable | jinja_str >>,
      'model_log_table': << project.autoRestart.modelLogTable | jinja_str >>,
  }) }}
{% endmacro %}
