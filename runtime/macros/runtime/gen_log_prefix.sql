{% macro gen_log_prefix(wf, execution_id) %}
  {{ return('gen | ' ~ wf['name'] ~ ' ' ~ execution_id ~ ' | ') }}
{% endmacro %}
