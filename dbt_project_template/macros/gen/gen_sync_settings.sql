{#- The spec's sync settings, which gen's sync runtime (macros/gen/sync/) reads (--vars gen_sync_max_retries,
    gen_sync_backoff_s and gen_sync_batch_size override them). -#}
{% macro gen_sync_settings() %}
  {{ return({
      'max_retries': var('gen_sync_max_retries', << project.sync.max_retries >>) | int,
      'backoff_s': var('gen_sync_backoff_s', << project.sync.backoff_s >>) | float,
      'batch_size': var('gen_sync_batch_size', << project.sync.batch_size >>) | int,
  }) }}
{% endmacro %}

{#- The definitions of the workflows whose executions are synced (the stateful ones the sync block selects). -#}
{% macro gen_sync_workflows() %}
  {{ return([<% for t in project.sync.tables %><< t.definitionMacro >>()<% if not loop.last %>, <% endif %><% endfor %>]) }}
{% endmacro %}
