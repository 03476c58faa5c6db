<% set sf = project.snowflake %>
<% set o = sf.objects %>
-- Snowflake setup of << project.name >>, step 5 of 7: the dbt project object.
<% if sf.ownerRole %>
-- Role: << sf.ownerRole >>, the owner of the generated objects (project.snowflake.owner_role); it needs CREATE DBT
-- PROJECT on the schema and read access to the source stage.
USE ROLE << sf.ownerRole >>;
<% else %>
-- Role: the role you apply the setup with, which owns the generated objects (project.snowflake.owner_role is not
-- set); it needs CREATE DBT PROJECT on the schema and read access to the source stage.
<% endif %>
-- The object reads this generated project from << sf.dbtProjectSource | sql_comment >> (project.snowflake.dbt_project_source):
-- commit and push the project there first, and for a Git repository stage fetch it (ALTER GIT REPOSITORY <repo> FETCH).
-- DBT_VERSION pins the dbt Core version the project is built and tested with (Snowflake's default, 1.9.4, cannot
-- parse it), and DEFAULT_TARGET the profiles.yml output made for dbt Projects on Snowflake (no env_var there).
-- https://docs.snowflake.com/sql-reference/sql/create-dbt-project
CREATE DBT PROJECT IF NOT EXISTS << o.dbtProject >>
  FROM << sf.dbtProjectSource | sf_str >>
  DBT_VERSION = << sf.dbtVersion | sf_str >>
  DEFAULT_TARGET = << o.defaultTarget >>
  COMMENT = << ('gen: dbt project ' + project.name) | sf_str >>;

-- On every deploy the object takes the source's current files as a new version (it runs its latest one; on the
-- first deploy this version repeats the one just created), and the two settings again, so that an object made
-- earlier by other means (snow dbt deploy, Snowsight) converges.
-- https://docs.snowflake.com/en/sql-reference/sql/alter-dbt-project
ALTER DBT PROJECT << o.dbtProject >> ADD VERSION
  FROM << sf.dbtProjectSource | sf_str >>;

ALTER DBT PROJECT << o.dbtProject >> SET
  DBT_VERSION = << sf.dbtVersion | sf_str >>
  DEFAULT_TARGET = << o.defaultTarget >>;
