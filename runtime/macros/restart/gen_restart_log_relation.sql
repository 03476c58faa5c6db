{#- A table of auto-restart's memory (DBT_RUN_LOG, DBT_MODEL_LOG) where the spec's auto_restart.schema puts it
    (gen_restart_settings), by default the target's schema. Unquoted names, so that hand-written SQL on
    Snowflake finds them in upper case. -#}
{% macro gen_restart_log_relation(identifier) %}
  {%- set settings = gen_restart_settings() -%}
  {%- set database = settings.log_database or target.database -%}
  {%- set schema = settings.log_schema or target.schema -%}
  {{ return(api.Relation.create(database=database, schema=schema, identifier=identifier,
                                quote_policy={'database': false, 'schema': false, 'identifier': false})) }}
{% endmacro %}
