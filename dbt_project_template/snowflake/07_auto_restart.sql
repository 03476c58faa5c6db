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
-- CALL << sf.objects.restartProcedure >>(DBT_PROJECT, FULL_ARGS) runs the dbt command FULL_ARGS on the dbt project
-- object with auto-restart. No target/ folder is needed: what the last run of the same command did is in
-- << ar.runLogTable | upper | sql_comment >> and << ar.modelLogTable | upper | sql_comment >>, which the project's on-run-start and on-run-end hooks fill, and the plan is the
-- view GEN_RESTART_PLAN that the project builds.
--   * A run of the project that started less than << ar.max_run_hours >> h ago and has not ended (auto_restart.max_run_hours):
--     the call starts nothing (two EXECUTE DBT PROJECT on one object at once are not supported), writes a
--     SKIPPED row with the reason to << ar.runLogTable | upper | sql_comment >> and returns it. This guard is what keeps the tasks below from
--     overlapping each other; each task also never overlaps itself (OVERLAP_POLICY NO_OVERLAP, the default).
--   * The last run of FULL_ARGS failed: a selective retry. FULL_ARGS again, every flag kept (--vars, --target,
--     --full-refresh, ...), with its selection narrowed to the failed nodes (and those --fail-fast cancelled) and
--     their descendants: `--select a+,<its own selection>`, so a retry never runs more than FULL_ARGS would. Each
--     command has its own plan: the hourly `run` never retries what the daily `build` failed. Up to max_retries
--     << ar.max_retries >> retries in a row, of failures younger than max_age_hours << ar.max_age_hours >>; then a full run.
--   * Otherwise, or before the first run (no plan view yet): FULL_ARGS as it is.
--   * dbt failed: the call raises (task history shows FAILED); any error reading the plan raises too.
-- The plan view is read in the database and schema the project builds into: the spec's, or the ones FULL_ARGS
-- gives with --vars {snowflake_database: ..., snowflake_schema: ...}, the vars profiles.yml reads.
-- The command is EXECUTE DBT PROJECT with the pinned dbt Core version; ARGS is FULL_ARGS quoted like a shell
-- command line. EXECUTE AS CALLER: dbt runs with the caller's privileges (USAGE on the dbt project object).
CREATE OR REPLACE PROCEDURE << sf.objects.restartProcedure >>(
    DBT_PROJECT VARCHAR DEFAULT << sf.objects.dbtProject | sf_str >>,
    FULL_ARGS VARCHAR DEFAULT 'build')
  COPY GRANTS
  RETURNS VARCHAR
  LANGUAGE PYTHON
  RUNTIME_VERSION = '3.11'
  -- pyyaml: a --vars value in FULL_ARGS is YAML, as dbt reads it
  PACKAGES = ('snowflake-snowpark-python', 'pyyaml')
  HANDLER = 'run_dbt_auto_restart'
  EXECUTE AS CALLER
  COMMENT = << ('gen: auto-restart of ' + project.name) | sf_str >>
AS
$$
<% filter dollar_body %>
import json
import re
import shlex
from typing import Any, Dict, List, Optional

import yaml

PROJECT_NAME = << project.name | py_str >>
DBT_VERSION = << sf.dbtVersion | py_str >>
# where the project builds its tables when FULL_ARGS does not say otherwise (profiles.yml's defaults)
DEFAULT_DATABASE = << (sf.database or '') | py_str >>
DEFAULT_SCHEMA = << (sf.schema or 'PUBLIC') | py_str >>
RUN_LOG = << ar.runLogTable | upper | py_str >>
MODEL_LOG = << ar.modelLogTable | upper | py_str >>
# where the log tables live when auto_restart.schema says so; otherwise next to the plan, where the project builds
LOG_DATABASE = << (ar.logSchema.database if ar.logSchema and ar.logSchema.database else '') | upper | py_str >>
LOG_SCHEMA = << (ar.logSchema.schema if ar.logSchema else '') | upper | py_str >>
PLAN_VIEW = "GEN_RESTART_PLAN"
MAX_RUN_HOURS = << ar.max_run_hours >>
SELECT_FLAGS = ("--select", "-s", "--models", "--model", "-m")


class AutoRestartError(Exception):
    """A failure the task must show as FAILED; its message names no argument values."""


def sql_str(value: str) -> str:
    """A Snowflake string literal: backslash is an escape character there too."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def command_key(full_args: str) -> str:
    """The key of a command's restart plan: its words, shell-quoted, one space apart (as gen restart)."""
    return shlex.join(shlex.split(full_args) or ["build"])


def parse_command(words: List[str]) -> Dict[str, Any]:
    """The parts of a dbt command a retry changes (selection, --vars); the rest is kept as it is."""
    rest: List[str] = []
    select: List[str] = []
    vars_text: Optional[str] = None
    selector = False
    i = 0
    while i < len(words):
        w = words[i]
        if w in SELECT_FLAGS:
            while i + 1 < len(words) and not words[i + 1].startswith("-"):
                i += 1
                select.append(words[i])
        elif w == "--vars":
            i += 1
            vars_text = words[i] if i < len(words) else ""
        elif w.startswith("--vars="):
            vars_text = w[len("--vars="):]
        else:
            if w == "--selector" or w.startswith("--selector="):
                selector = True
            rest.append(w)
        i += 1
    return {"rest": rest, "select": select, "vars": vars_text, "selector": selector}


def given_vars(vars_text: Optional[str]) -> Dict[str, Any]:
    given = yaml.safe_load(vars_text) if vars_text and vars_text.strip() else {}
    if not isinstance(given, dict):
        raise AutoRestartError("the --vars of FULL_ARGS is not a mapping of names to values")
    return given


def vars_with(vars_text: Optional[str], key: str, retry: int) -> str:
    """The command's --vars with gen's two added: the command a run belongs to, and which retry it is."""
    merged = dict(given_vars(vars_text), gen_restart_key=key, gen_restart_retry=retry)
    return json.dumps(merged, separators=(",", ":"), ensure_ascii=False)


def retry_number(plan: Dict[str, Any], command: Dict[str, Any]) -> int:
    """Which retry the plan asks for, 0 for none: a command with --selector cannot be narrowed, so it runs whole."""
    if plan.get("decision") != "SELECTIVE RETRY" or not (plan.get("selector") or "").split() or command["selector"]:
        return 0
    return int(plan.get("retry_sequence") or 0)


def args_for_plan(plan: Dict[str, Any], full_args: str) -> List[str]:
    """FULL_ARGS, or for a retry FULL_ARGS with its selection narrowed to the failed nodes and their
    descendants that it selects itself (dbt's intersection `a+,tag:x`); --vars carries the command's key."""
    command = parse_command(shlex.split(full_args) or ["build"])
    key = command_key(full_args)
    retry = retry_number(plan, command)
    if not retry:
        select = ["--select"] + command["select"] if command["select"] else []
        return command["rest"] + select + ["--vars", vars_with(command["vars"], key, 0)]
    failed = plan["selector"].split()
    select = failed if not command["select"] else [f + "," + s for f in failed for s in command["select"]]
    return command["rest"] + ["--select"] + select + ["--vars", vars_with(command["vars"], key, retry)]


def target_schema(full_args: str) -> str:
    """DATABASE.SCHEMA the command builds into: --vars snowflake_database / snowflake_schema, else the spec's."""
    given = given_vars(parse_command(shlex.split(full_args) or ["build"])["vars"])
    database = str(given.get("snowflake_database") or DEFAULT_DATABASE)
    schema = str(given.get("snowflake_schema") or DEFAULT_SCHEMA)
    for name in (database, schema):
        if name and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", name):
            raise AutoRestartError("the database or schema the project builds into is not a plain name")
    return database + "." + schema if database else schema


def log_schema(schema: str) -> str:
    """DATABASE.SCHEMA of the log tables, given the one the command builds into."""
    if not LOG_SCHEMA:
        return schema
    database = LOG_DATABASE or schema.rpartition(".")[0]
    return database + "." + LOG_SCHEMA if database else LOG_SCHEMA


def rows(session: Any, sql: str) -> List[Dict[str, Any]]:
    return [{k.upper(): v for k, v in r.as_dict().items()} for r in session.sql(sql).collect()]


def relation_exists(session: Any, schema: str, name: str) -> bool:
    """Whether the table or view exists (and this role may see it): before the first run it does not. Asks
    INFORMATION_SCHEMA's TABLES and VIEWS (Snowflake lists a view in both; counting both is harmless)."""
    database, _, bare = schema.rpartition(".")
    info = (database + "." if database else "") + "INFORMATION_SCHEMA."
    where = " where table_schema = %s and table_name = %s" % (sql_str(bare.upper()), sql_str(name))
    found = rows(session, "select (select count(*) from %sTABLES%s) + (select count(*) from %sVIEWS%s) as N"
                 % (info, where, info, where))
    return int(found[0]["N"]) > 0


def run_in_progress(session: Any, schema: str) -> Optional[Dict[str, Any]]:
    """The project's latest run that has not ended and started less than MAX_RUN_HOURS ago, if any."""
    if not relation_exists(session, schema, RUN_LOG):
        return None
    found = rows(session, (
        "select run_id, restart_key, cast(run_started_at as varchar) as run_started_at from %s.%s"
        " where project_name = %s and status = 'RUNNING' and run_ended_at is null"
        " and run_started_at > dateadd('second', %d, sysdate())"
        " order by run_started_at desc limit 1")
        % (schema, RUN_LOG, sql_str(PROJECT_NAME), -int(MAX_RUN_HOURS * 3600)))
    return found[0] if found else None


def record_skip(session: Any, schema: str, key: str, note: str) -> None:
    session.sql(
        "insert into %s.%s (run_id, project_name, command, run_type, status, run_started_at, run_ended_at,"
        " restart_key, note) select uuid_string(), %s, %s, 'SKIPPED', 'SKIPPED',"
        " sysdate(), sysdate(), %s, %s"
        % (schema, RUN_LOG, sql_str(PROJECT_NAME), sql_str(shlex.split(key)[0]), sql_str(key), sql_str(note))
    ).collect()


def read_plan(session: Any, schema: str, key: str) -> Dict[str, Any]:
    """The plan of this command; a full build when the plan view does not exist yet. Any other error raises."""
    if not relation_exists(session, schema, PLAN_VIEW):
        return {"decision": "FULL BUILD", "retry_sequence": 0,
                "reason": "no restart plan yet (the project has not built " + PLAN_VIEW + ")"}
    found = rows(session, "select decision, selector, retry_sequence, reason from %s.%s where restart_key = %s"
                 % (schema, PLAN_VIEW, sql_str(key)))
    if not found:
        return {"decision": "FULL BUILD", "retry_sequence": 0, "reason": "no earlier run of this command"}
    return {k.lower(): v for k, v in found[0].items()}


def run_dbt_auto_restart(session: Any, dbt_project: str, full_args: Optional[str]) -> str:
    """CALL entry point: skip, retry or run FULL_ARGS; returns what it did, raises when dbt fails."""
    full_args = full_args or "build"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}", dbt_project or ""):
        raise AutoRestartError("DBT_PROJECT must be the name of a dbt project object")
    try:
        key = command_key(full_args)
    except ValueError:
        raise AutoRestartError("FULL_ARGS is not a dbt command line (an unclosed quote?)") from None
    schema = target_schema(full_args)
    running = run_in_progress(session, log_schema(schema))
    if running:
        note = "a run started at %s has not ended (less than max_run_hours %s ago): nothing started" % (
            running["RUN_STARTED_AT"], MAX_RUN_HOURS)
        record_skip(session, log_schema(schema), key, note)
        return "SKIPPED: " + note
    plan = read_plan(session, schema, key)
    args = args_for_plan(plan, full_args)
    retry = retry_number(plan, parse_command(shlex.split(full_args)))
    decision = "SELECTIVE RETRY %d" % retry if retry else "FULL BUILD"
    result = rows(session, "EXECUTE DBT PROJECT %s ARGS = %s DBT_VERSION = %s"
                  % (dbt_project, sql_str(shlex.join(args)), sql_str(DBT_VERSION)))
    # EXECUTE DBT PROJECT returns one row and does not raise when dbt fails: SUCCESS says whether it passed.
    if not result or str(result[0].get("SUCCESS")).lower() not in ("true", "1"):
        raise AutoRestartError("dbt %s failed (%s of %s): see %s and %s in %s"
                               % (args[0], decision, PROJECT_NAME, RUN_LOG, MODEL_LOG, log_schema(schema)))
    return "%s: dbt %s succeeded (%s)" % (decision, args[0], plan.get("reason") or "")
<% endfilter %>
$$;
<% if sf.role != sf.ownerRole %>

-- The role that runs dbt may start a restart itself: CALL << sf.objects.restartProcedure >>(). EXECUTE AS CALLER,
-- so the call runs with the caller's own privileges (USAGE on the dbt project object).
GRANT USAGE ON PROCEDURE << sf.objects.restartProcedure >>(VARCHAR, VARCHAR) TO ROLE << sf.role >>;
<% endif %>
<% for t in ar.tasks %>

-- Task << t.name >>: << t.schedule | sql_comment >>, `<< t.args | sql_comment >>` with auto-restart, on a user-managed warehouse
-- (a serverless task cannot run a dbt project), in the dbt project object's schema. It skips a start while
-- another run of the project is in progress (see above). CREATE OR REPLACE leaves a task suspended: RESUME starts it.
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
