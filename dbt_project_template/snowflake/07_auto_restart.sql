<% set sf = project.snowflake %>
<% set ar = project.autoRestart %>
-- Snowflake setup of << project.name >>, step 7 of 7: auto-restart.
<% if sf.ownerRole %>
-- Role: << sf.ownerRole >>, the owner of the generated objects (project.snowflake.owner_role). The tasks run with
-- its privileges: it needs EXECUTE TASK on the account (03 grants it) and USAGE on their warehouses.
USE ROLE << sf.ownerRole >>;
<% else %>
-- Role: the role you apply the setup with, which owns the generated objects (project.snowflake.owner_role is not
-- set). The tasks run with its privileges: it needs EXECUTE TASK on the account and USAGE on their warehouses.
<% endif %>
-- RUN_DBT_AUTO_RESTART reads the restart plan, the view << sf.objects.restartPlanView >> that the dbt project builds
-- (model gen_restart_plan, over DBT_RUN_LOG and DBT_MODEL_LOG, which its on-run-start and on-run-end hooks fill),
-- and executes the dbt project object: after a failed run, a selective retry of the failed nodes and everything
-- downstream of them (`<verb of FULL_ARGS> --select a+ b+`); otherwise FULL_ARGS. No target/ folder is needed.
-- The limits are the spec's: max_retries << ar.max_retries >>, max_age_hours << ar.max_age_hours >> (rebuild and deploy to change them).
-- The command is EXECUTE DBT PROJECT (there is no SYSTEM$DBT_RUN), with the pinned dbt Core version. Without the
-- plan view (before the first run) or on any error reading it, the procedure falls back to the full build.
CREATE OR REPLACE PROCEDURE << sf.objects.restartProcedure >>(
    DBT_PROJECT VARCHAR DEFAULT << sf.objects.dbtProject | sf_str >>,
    FULL_ARGS VARCHAR DEFAULT 'build')
  COPY GRANTS
  RETURNS VARCHAR
  LANGUAGE SQL
  EXECUTE AS CALLER
  COMMENT = << ('gen: auto-restart of ' + project.name) | sf_str >>
AS
$$
DECLARE
  plan_decision VARCHAR DEFAULT 'FULL BUILD';
  plan_selector VARCHAR DEFAULT '';
  plan_reason VARCHAR DEFAULT '';
  dbt_args VARCHAR;
BEGIN
  BEGIN
    SELECT decision, coalesce(selector, ''), reason
      INTO :plan_decision, :plan_selector, :plan_reason
      FROM << sf.objects.restartPlanView >>;
  EXCEPTION
    WHEN OTHER THEN
      plan_decision := 'FULL BUILD';
      plan_reason := 'no restart plan to read (' || SQLERRM || ')';
  END;
  IF (plan_decision = 'SELECTIVE RETRY' AND plan_selector <> '') THEN
    dbt_args := SPLIT_PART(TRIM(FULL_ARGS), ' ', 1) || ' --select ' || plan_selector;
  ELSE
    plan_decision := 'FULL BUILD';
    dbt_args := FULL_ARGS;
  END IF;
  -- dbt_args goes into a string literal, where backslash is an escape character too: doubled first.
  EXECUTE IMMEDIATE 'EXECUTE DBT PROJECT ' || DBT_PROJECT || ' ARGS = '''
    || REPLACE(REPLACE(dbt_args, '\\', '\\\\'), '''', '''''') || ''''
    || << (" DBT_VERSION = '" + sf.dbtVersion + "'") | sf_str >>;
  RETURN plan_decision || ': ' || dbt_args || ' (' || plan_reason || ')';
END;
$$;
<% if sf.role != sf.ownerRole %>

-- The role that runs dbt may start a restart itself: CALL << sf.objects.restartProcedure >>(). EXECUTE AS CALLER,
-- so the call runs with the caller's own privileges (USAGE on the dbt project object).
GRANT USAGE ON PROCEDURE << sf.objects.restartProcedure >>(VARCHAR, VARCHAR) TO ROLE << sf.role >>;
<% endif %>
<% for t in ar.tasks %>

-- Task << t.name >>: << t.schedule | sql_comment >>, full build `<< t.args | sql_comment >>`, on a user-managed warehouse (a serverless
-- task cannot run a dbt project), in the dbt project object's schema. CREATE OR REPLACE leaves a task suspended:
-- RESUME starts it.
CREATE OR REPLACE TASK << t.object >>
<% if t.warehouse %>
  WAREHOUSE = << t.warehouse >>
<% endif %>
  SCHEDULE = << t.schedule | sf_str >>
  COMMENT = << ('gen: ' + project.name + ' with auto-restart') | sf_str >>
AS
  CALL << sf.objects.restartProcedure >>(<< sf.objects.dbtProject | sf_str >>, << t.args | sf_str >>);

ALTER TASK << t.object >> RESUME;
<% endfor %>
