<% set sf = project.snowflake %>
-- Snowflake setup of << project.name >>, step 2 of 7: secrets.
<% if sf.ownerRole %>
-- Role: << sf.ownerRole >>, the owner of the generated objects (project.snowflake.owner_role).
USE ROLE << sf.ownerRole >>;
<% else %>
-- Role: the role you apply the setup with; it owns the generated objects (project.snowflake.owner_role is not set).
<% endif %>
-- One GENERIC_STRING secret per ${secret.NAME} of the spec, created with a placeholder value. The real value
-- never appears in any file: `gen deploy` sets it from the environment variable NAME (ALTER SECRET ... SET
-- SECRET_STRING), and only the HTTP procedure reads it, through _snowflake.get_generic_secret_string: the owner
-- role owns the secrets, and no other role is granted READ on them.
<% if sf.secrets.length == 0 %>
-- The spec uses no ${secret.X}: nothing to create.
<% endif %>
<% for secret in sf.objects.secrets %>
<% set s = secret.name %>
CREATE SECRET IF NOT EXISTS << secret.object >>
  TYPE = GENERIC_STRING
  SECRET_STRING = 'placeholder: set by gen deploy from the environment variable << s | ident >>'
  COMMENT = << ('gen: ${secret.' + s + '} of ' + project.name) | sf_str >>;
<% if not loop.last %>

<% endif %>
<% endfor %>
