{#- Whether this target's executions are queued: everywhere but on Snowflake, where the state tables already
    are what sync would make (--vars '{gen_sync: true}' or false to choose). -#}
{% macro gen_sync_enabled() %}{{ return(adapter.dispatch('gen_sync_enabled', gen_package_name())()) }}{% endmacro %}
{% macro default__gen_sync_enabled() %}{{ return(var('gen_sync', true)) }}{% endmacro %}
{% macro snowflake__gen_sync_enabled() %}{{ return(var('gen_sync', false)) }}{% endmacro %}
