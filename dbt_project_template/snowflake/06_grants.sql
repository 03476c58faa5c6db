<% set sf = project.snowflake %>
<% set o = sf.objects %>
-- Snowflake setup of << project.name >>, step 6 of 7: grants to the role that runs dbt.
<% if sf.ownerRole %>
-- Role: << sf.ownerRole >>, the owner of the generated objects (project.snowflake.owner_role).
USE ROLE << sf.ownerRole >>;
<% else %>
-- Role: the role you apply the setup with, which owns the generated objects (project.snowflake.owner_role is not set).
<% endif %>
<% if sf.role == sf.ownerRole %>
-- The role that runs dbt (project.snowflake.role) is the owner role: it has every privilege it needs already.
<% else %>
-- What the role that runs the dbt project (project.snowflake.role, the role of profiles.yml) needs, and no more:
-- the warehouse, the database and the schema, where dbt creates its tables and views<% if project.callsApis %>; USAGE on the HTTP
-- procedure<% if project.fansOut %>s (one call; a batch, for for_each)<% endif %>, which run<% if not project.fansOut %>s<% endif %> with the owner's rights (EXECUTE AS OWNER), so this role never reads the secrets nor uses
-- the integration itself<% endif %><% if sf.dbtProjectSource %>; USAGE on the dbt project object, to EXECUTE it<% endif %>.
-- Granting twice is a no-op, so this file is safe to re-run. The warehouse and database grants need a role that
-- owns them or holds MANAGE GRANTS (e.g. ACCOUNTADMIN) if the owner role does not.
GRANT USAGE ON WAREHOUSE << sf.warehouse >> TO ROLE << sf.role >>;
GRANT USAGE ON DATABASE << sf.database >> TO ROLE << sf.role >>;
GRANT USAGE, CREATE TABLE, CREATE VIEW ON SCHEMA << o.schema >> TO ROLE << sf.role >>;
<% if project.callsApis %>
GRANT USAGE ON PROCEDURE << o.procedure >>(VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR) TO ROLE << sf.role >>;
<% endif %>
<% if project.fansOut %>
GRANT USAGE ON PROCEDURE << o.batchProcedure >>(VARCHAR, NUMBER) TO ROLE << sf.role >>;
<% endif %>
<% if sf.dbtProjectSource %>
GRANT USAGE ON DBT PROJECT << o.dbtProject >> TO ROLE << sf.role >>;
<% endif %>
<% endif %>
