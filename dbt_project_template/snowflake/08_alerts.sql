<% set sf = project.snowflake %>
<% set al = project.alerts %>
-- Snowflake setup of << project.name >>, alerts (the spec's alerts block): one ALERT that sends a notification when an
-- execution failed or got stuck<% if project.autoRestart %>, or auto-restart gave up on a command<% endif %>.
<% if sf.ownerRole %>
-- Role: << sf.ownerRole >>, the owner of the generated objects (project.snowflake.owner_role). An alert runs with its
-- owner's privileges; the owner needs (from ACCOUNTADMIN): EXECUTE ALERT on the account, USAGE on the notification
-- integration << al.integration >>, USAGE on the warehouse, and the database role SNOWFLAKE.ALERT_VIEWER (for
-- SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME):
--   GRANT EXECUTE ALERT ON ACCOUNT TO ROLE << sf.ownerRole >>;
--   GRANT USAGE ON INTEGRATION << al.integration >> TO ROLE << sf.ownerRole >>;
--   GRANT DATABASE ROLE SNOWFLAKE.ALERT_VIEWER TO ROLE << sf.ownerRole >>;
USE ROLE << sf.ownerRole >>;
<% else %>
-- Role: the role you apply the setup with, which owns the generated objects (project.snowflake.owner_role is not
-- set). An alert runs with its owner's privileges; that role needs EXECUTE ALERT on the account, USAGE on the
-- notification integration << al.integration >> and on the warehouse, and the database role SNOWFLAKE.ALERT_VIEWER.
<% endif %>
-- Each check looks only at what happened since the last check that succeeded (first check: the last day), so a
-- failure is reported once: SNOWFLAKE.ALERT.SCHEDULED_TIME() and LAST_SUCCESSFUL_SCHEDULED_TIME() bound the window
-- (https://docs.snowflake.com/en/user-guide/alerts, "Specifying timestamps based on alert schedules";
-- https://docs.snowflake.com/en/sql-reference/functions/last_successful_scheduled_time). The state tables hold UTC
-- timestamps without a time zone: the window is converted to UTC.
--   * failed: an execution of a stateful workflow that ended with status error in the window;
--   * stuck: an unfinished execution that passed its stuck threshold in the window (minutes after its start);
<% if project.autoRestart %>
--   * exhausted restarts: a command whose last run failed after max_retries selective retries in a row
--     (verdict max_retries in << sf.objects.restartPlanView | sql_comment >>), started in the window.
<% endif %>
<% if project.sync %>
-- Failed syncs are not watched here: the sync queue lives in the DuckDB database that `gen sync` uploads from; the
-- dbt test gen_alert_failed_syncs reports them where the queue is.
<% endif %>
-- The action: <% if al.recipients.length %>SYSTEM$SEND_EMAIL to the spec's recipients (each must be a verified email address the
-- integration allows; https://docs.snowflake.com/en/user-guide/notifications/email-stored-procedures)<% else %>SYSTEM$SEND_SNOWFLAKE_NOTIFICATION through the integration, to
-- its own recipients (https://docs.snowflake.com/en/user-guide/notifications/snowflake-notifications)<% endif %>. The
-- monitoring views name the executions. CREATE ALERT: https://docs.snowflake.com/en/sql-reference/sql/create-alert
-- (a new or replaced alert is suspended: RESUME starts it).
<% if al.workflows.length == 0 and not project.autoRestart %>
-- Nothing to watch on Snowflake: the spec has no stateful workflow and no auto_restart block.
<% else %>
CREATE OR REPLACE ALERT << al.alert >>
<% if al.warehouse %>
  WAREHOUSE = << al.warehouse >>
<% endif %>
  SCHEDULE = << al.schedule | sf_str >>
  COMMENT = << ('gen: ' + project.name + ' failed or stuck executions') | sf_str >>
  IF (EXISTS (
    with check_window as (
        select
            convert_timezone('UTC', coalesce(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(),
                dateadd(day, -1, SNOWFLAKE.ALERT.SCHEDULED_TIME())))::timestamp_ntz as since,
            convert_timezone('UTC', SNOWFLAKE.ALERT.SCHEDULED_TIME())::timestamp_ntz as until
    )
<% for w in al.workflows %>
    select 'failed' as reason from << w.stateTable >>, check_window
    where status = 'error' and end_time > since and end_time <= until
    union all
    select 'stuck' as reason from << w.stateTable >>, check_window
    where completed = false and status <> 'error'
      and dateadd(minute, << w.stuckAfterMinutes >>, start_time) > since
      and dateadd(minute, << w.stuckAfterMinutes >>, start_time) <= until
<% if not loop.last or project.autoRestart %>
    union all
<% endif %>
<% endfor %>
<% if project.autoRestart %>
    select 'restarts exhausted' as reason from << sf.objects.restartPlanView >>, check_window
    where verdict = 'max_retries' and last_run_started_at > since and last_run_started_at <= until
<% endif %>
  ))
  THEN
<% if al.recipients.length %>
    CALL SYSTEM$SEND_EMAIL(
      << al.integration | sf_str >>,
      << al.recipients | join(', ') | sf_str >>,
      << ('gen: ' + project.name + ': failed or stuck executions') | sf_str >>,
      << ('Since the last check, an execution of ' + project.name + ' failed or got stuck' + (', or auto-restart gave up on a command' if project.autoRestart else '') + '. The state tables and the stuck-executions views name them.') | sf_str >>);
<% else %>
    CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
      SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(<< ('Since the last check, an execution of ' + project.name + ' failed or got stuck' + (', or auto-restart gave up on a command' if project.autoRestart else '') + '. The state tables and the stuck-executions views name them.') | sf_str >>),
      SNOWFLAKE.NOTIFICATION.INTEGRATION(<< al.integration | sf_str >>));
<% endif %>

ALTER ALERT << al.alert >> RESUME;
<% endif %>
