<% set sf = project.snowflake %>
<% set o = sf.objects %>
-- Snowflake setup of << project.name >>, step 0 of 7: schemas.
-- Apply all steps in order with `gen deploy` (or run the files in order yourself). Every statement is idempotent.
<% if sf.ownerRole %>
-- Role: << sf.ownerRole >>, the owner of the generated objects (project.snowflake.owner_role).
USE ROLE << sf.ownerRole >>;
<% else %>
-- Role: the role you apply the setup with; it owns the generated objects (project.snowflake.owner_role is not set).
<% endif %>
<% if sf.schema %>
-- The schema of the HTTP procedure, the network rule and (unless project.snowflake.secrets_schema is set) the secrets,
-- and the dbt project's target schema: its models, the state tables, the run log. Created here, so that the role
-- that runs dbt needs no CREATE SCHEMA privilege on the database: a run creates a schema only when it is missing.
CREATE SCHEMA IF NOT EXISTS << o.schema >>;
<% else %>
-- project.snowflake.schema is not set: every object below is created in the session's current database and
-- schema (gen deploy: SNOWFLAKE_DATABASE / SNOWFLAKE_SCHEMA, the same ones the dbt profile uses).
<% endif %>
<% if o.secretsSchema %>

-- The schema of the SECRET objects (project.snowflake.secrets_schema).
CREATE SCHEMA IF NOT EXISTS << o.secretsSchema >>;
<% endif %>
<% if project.sync and project.sync.schema and project.sync.schema != o.schema %>

-- The schema of the tables `gen sync` uploads the finished executions to (sync.schema).
CREATE SCHEMA IF NOT EXISTS << project.sync.schema >>;
<% endif %>
