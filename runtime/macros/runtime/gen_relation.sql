{#- State table and attempt log of a stateful workflow. Identifiers are unquoted on purpose, so that
    hand-written monitoring SQL (unquoted names) works on Snowflake too. -#}
{% macro gen_relation(identifier) %}
  {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier=identifier,
                                quote_policy={'database': false, 'schema': false, 'identifier': false})) }}
{% endmacro %}
