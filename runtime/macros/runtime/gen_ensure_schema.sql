{#- Creates the schema of `relation` only when it is missing. The setup SQL (snowflake/00_schemas.sql) creates the
    schemas; on Snowflake even CREATE SCHEMA IF NOT EXISTS of an existing schema needs the CREATE SCHEMA privilege
    on the database, which the role that runs dbt should not need
    (https://docs.snowflake.com/en/sql-reference/sql/create-schema). Checking first needs only USAGE. -#}
{% macro gen_ensure_schema(relation) %}
  {%- if not adapter.check_schema_exists(relation.database, relation.schema) -%}
    {%- do adapter.create_schema(relation) -%}
  {%- endif -%}
{% endmacro %}
