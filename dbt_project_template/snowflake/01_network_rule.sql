<% set sf = project.snowflake %>
-- Snowflake setup of << project.name >>, step 1 of 7: egress network rule.
<% if sf.ownerRole %>
-- Role: << sf.ownerRole >>, the owner of the generated objects (project.snowflake.owner_role).
USE ROLE << sf.ownerRole >>;
<% else %>
-- Role: the role you apply the setup with; it owns the generated objects (project.snowflake.owner_role is not set).
<% endif %>
-- Least privilege: exactly the host:port of each connection in the spec (a base URL written as
-- ${env.X:-default} contributes the host of its default), never an allow-all rule.
-- CREATE OR ALTER: created on the first deploy, altered to the spec's hosts on the next ones, never dropped
-- (the external access integration refers to it).
CREATE OR ALTER NETWORK RULE << sf.objects.networkRule >>
  TYPE = HOST_PORT
  VALUE_LIST = (<% for h in sf.hosts %><< h | sf_str >><% if not loop.last %>, <% endif %><% endfor %>)
  MODE = EGRESS
  COMMENT = << ('gen: API hosts of ' + project.name) | sf_str >>;
