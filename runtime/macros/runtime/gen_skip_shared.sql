{#- The attempt-log values every skipped row of a step shares (gen_skip_record), as SQL expressions. -#}
{% macro gen_skip_shared(wf, step) %}
  {{ return({'workflow': gen_sql_string(wf['name']), 'step': gen_sql_string(step['name']),
             'step_index': step['index'] | string, 'logged_at': gen_current_timestamp()}) }}
{% endmacro %}
