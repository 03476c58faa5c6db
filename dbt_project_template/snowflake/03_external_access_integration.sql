<% set sf = project.snowflake %>
<% set tasks = project.autoRestart and project.autoRestart.tasks.length %>
-- Snowflake setup of << project.name >>, step 3 of 7: external access integration.
<% if sf.ownerRole %>
-- Role: ACCOUNTADMIN. Creating an integration needs CREATE INTEGRATION on the account, which only ACCOUNTADMIN has
-- by default; this is the one file that needs it. It ends by switching back to the owner role << sf.ownerRole >>.
USE ROLE ACCOUNTADMIN;
<% else %>
-- Role: the role you apply the setup with (project.snowflake.owner_role is not set), which must hold CREATE
-- INTEGRATION on the account (ACCOUNTADMIN by default)<% if tasks %> and EXECUTE TASK<% endif %>. Set owner_role to run only this file as ACCOUNTADMIN.
<% endif %>
-- The integration allows the network rule above and only the secrets of this spec. OR REPLACE makes a re-run
-- converge; it drops the grants on the integration (granted again below) and the procedure is re-created right
-- after it (04).
CREATE OR REPLACE EXTERNAL ACCESS INTEGRATION << sf.objects.integration >>
  ALLOWED_NETWORK_RULES = (<< sf.objects.networkRule >>)
  ALLOWED_AUTHENTICATION_SECRETS = (<% for s in sf.objects.secrets %><< s.object >><% if not loop.last %>, <% endif %><% else %>none<% endfor %>)
  ENABLED = TRUE
  COMMENT = << ('gen: egress of ' + project.name + ' to its API hosts') | sf_str >>;
<% if sf.ownerRole %>

-- The owner role creates the HTTP procedure with this integration (04), which needs USAGE on it. The role that
-- runs dbt gets nothing here: the procedure runs with its owner's rights.
GRANT USAGE ON INTEGRATION << sf.objects.integration >> TO ROLE << sf.ownerRole >>;
<% if tasks %>

-- The tasks (07) run with their owner's privileges, and a task runs only when its owner holds EXECUTE TASK.
GRANT EXECUTE TASK ON ACCOUNT TO ROLE << sf.ownerRole >>;
<% endif %>

-- Back to the owner role for the rest of the setup.
USE ROLE << sf.ownerRole >>;
<% endif %>
