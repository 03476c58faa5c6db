{#- The SQL expression of a lease taken or renewed now: it lasts the workflow's state.lease_minutes. -#}
{% macro gen_lease_expiry(wf) %}
  {{ return(dbt.dateadd('second', (wf['state']['lease_minutes'] * 60) | int, gen_current_timestamp())) }}
{% endmacro %}
