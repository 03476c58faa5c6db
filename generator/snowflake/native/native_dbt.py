"""Runs a generated dbt project the way dbt Projects on Snowflake runs it, offline, against fakesnow.

    python native_dbt.py CONFIG_JSON

Used by `gen deploy --check` and by the tests, with the dbt version of requirements/snowflake.txt (the one gen pins
on the project object). CONFIG_JSON:
    {"project_dir", "native": bool, "default_target": name, "procedure_sql": path|null, "secrets": {NAME: value},
     "database", "schema", "mock_url": url|null, "scratch": dir (optional; else a new temp dir),
     "steps": [{"dbt": [args]} | {"sql": text} | {"query": label, "sql": text} | {"scenario": {...}}
               | {"profile": target} | {"setup_sql": [files]} | {"restart": [dbt_project, full_args]}],
     "restart_sql": path (the auto-restart setup file, for restart steps)
     "report": path}
Steps run in order, in one process, on one fakesnow instance; the report has one entry per step, and the version
of dbt that ran. Each dbt step lists the text of every statement it sent (`statements`, before the rewrites
below) and the status of every node it ran (`results`, what run_results.json would say). Without procedure_sql
(and mock_url) nothing is served: `gen deploy --check` parses and compiles, which never CALLs the procedure (only
run and build execute the workflow models' materialization). The profile and setup_sql steps are the other
checks of `gen deploy --check` (project_check.py).

What `native` reproduces of Snowflake's managed runtime:
  * env_var() is not available: every env_var of dbt's Jinja contexts (models, macros, dbt_project.yml,
    profiles.yml) raises, so a project that calls it fails here as it fails there. Unsetting variables would
    prove nothing: env_var('X', 'default') would quietly take its default.
  * Only the project's own profiles.yml, and the target is the object's DEFAULT_TARGET unless the args name one.
  * No target/ folder survives between executions: each dbt step gets a fresh target and log path.
  * A schema exists only once something creates it (the setup creates the target schema, as the account's setup
    SQL does: "the target schema must exist"); connecting to a missing one does not create it.
What is not real: fakesnow (Snowflake SQL emulated on DuckDB) stands in for the account. `CALL <...>_HTTP_REQUEST(...)`
and `CALL <...>_HTTP_BATCH(...)` are served by the procedures' own Python handlers (the bodies of
snowflake/04_gen_http_request_procedure.sql, sfproc.serve_http_call) and
`select system$wait(N, 'MILLISECONDS')` by a sleep (`select system$cancel_all_queries(N)` of --fail-fast is a no-op); each rewrite is written to the report. The setup DDL (network
rule, secrets, integration, procedures, grants, tasks) is not run: fakesnow supports none of it.
A restart step is `CALL RUN_DBT_AUTO_RESTART(dbt_project, full_args)`: the procedure's own Python handler (the
body of snowflake/07_auto_restart.sql) with a Snowpark session stand-in whose SQL runs on fakesnow, except
`EXECUTE DBT PROJECT <name> ARGS = '...'`, which runs dbt here (the ARGS split like a shell command line, a fresh
target/ as on Snowflake) and returns Snowflake's one row: SUCCESS, EXCEPTION, STDOUT. The step reports what the
call returned or the message it raised, and every EXECUTE with its args and success.
"""
import json
import os
import re
import shlex
import sys
import tempfile
import time
import unittest.mock as mock
import urllib.request
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import snowflake.connector  # noqa: E402
import sqlglot  # noqa: E402
from fakesnow.cursor import FakeSnowflakeCursor  # noqa: E402
from fakesnow.instance import FakeSnow  # noqa: E402

from project_check import profile_output, setup_sql  # noqa: E402
from sfproc import WAIT_RE, load_handler, load_http_handlers, serve_http_call  # noqa: E402

_EXECUTE_DBT_RE = re.compile(
    r"^\s*EXECUTE\s+DBT\s+PROJECT\s+(\S+)\s+ARGS\s*=\s*'((?:[^'\\]|''|\\.)*)'(?:\s+DBT_VERSION\s*=\s*'([^']*)')?\s*$",
    re.IGNORECASE | re.DOTALL)
# dbt-snowflake cancels a session's queries this way (--fail-fast, Ctrl-C); one thread runs one query at a time,
# so when it is sent nothing of that session is running: acknowledged without effect.
_CANCEL_RE = re.compile(r"^\s*select\s+system\$cancel_all_queries\(\s*\d+\s*\)", re.IGNORECASE)

ENV_VAR_UNAVAILABLE = "env_var() is not available in dbt Projects on Snowflake"


def disable_env_var() -> int:
    """Makes env_var raise in every dbt Jinja context class; returns how many classes were patched."""
    import dbt.context.base as base
    import dbt.context.configured  # noqa: F401 - each module defines context classes with their own env_var
    import dbt.context.providers  # noqa: F401
    import dbt.context.secret  # noqa: F401
    from dbt_common.exceptions import CompilationError

    def unavailable(*args: Any, **kwargs: Any) -> str:
        name = args[1] if len(args) > 1 else kwargs.get("var", "?")
        raise CompilationError("%s (called for %r): pass the value with --vars" % (ENV_VAR_UNAVAILABLE, name))

    patched = 0
    pending = [base.BaseContext]
    seen = set()
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending.extend(cls.__subclasses__())
        members = cls.__dict__.get("_context_members_")
        if isinstance(members, dict) and "env_var" in members:
            members["env_var"] = unavailable  # the context is built from this table, not from attributes
            patched += 1
    return patched


def dbt_args(step_args: List[str], config: Dict[str, Any], scratch: str) -> List[str]:
    args = list(step_args) + ["--project-dir", config["project_dir"], "--profiles-dir", config["project_dir"]]
    if config.get("native"):
        if "--target" not in step_args and "-t" not in step_args and config.get("default_target"):
            args += ["--target", config["default_target"]]
        run_dir = tempfile.mkdtemp(dir=scratch)  # nothing carries over between executions
        args += ["--target-path", os.path.join(run_dir, "target"), "--log-path", os.path.join(run_dir, "logs")]
    return args


def node_errors(result: Any) -> List[Dict[str, str]]:
    """The nodes a dbt command failed on (a failure before any node ran, as in parsing, is the exception)."""
    out = []
    for r in getattr(result, "results", None) or []:
        if str(getattr(r, "status", "")) in ("error", "fail", "runtime error"):
            out.append({"node": str(getattr(r.node, "unique_id", "?")), "message": str(r.message or "")})
    return out


def sql_literal_text(body: str) -> str:
    """The value of a Snowflake single-quoted literal's body ('' and backslash escapes)."""
    return re.sub(r"''|\\(.)", lambda m: "'" if m.group(0) == "''" else m.group(1), body)


class Row:
    """Snowpark's Row, as far as the procedures use it."""

    def __init__(self, values: Dict[str, Any]) -> None:
        self._values = values

    def as_dict(self) -> Dict[str, Any]:
        return dict(self._values)


class FakeSession:
    """A Snowpark session stand-in for a procedure handler: SQL on fakesnow, EXECUTE DBT PROJECT on local dbt."""

    def __init__(self, conn: Any, execute_dbt: Any) -> None:
        self.conn = conn
        self.execute_dbt = execute_dbt

    def sql(self, query: str) -> Any:
        session = self

        class Result:
            def collect(self) -> List[Row]:
                match = _EXECUTE_DBT_RE.match(query)
                if match:
                    return [Row(session.execute_dbt(match.group(1), sql_literal_text(match.group(2)), match.group(3)))]
                cur = session.conn.cursor()
                cur.execute(query)
                if cur.description is None:
                    return []
                cols = [d[0] for d in cur.description]
                return [Row(dict(zip(cols, r))) for r in cur.fetchall()]

        return Result()


def main() -> int:
    config = json.loads(sys.argv[1])
    from dbt.version import __version__ as dbt_version

    report: Dict[str, Any] = {"env_var_contexts_patched": disable_env_var() if config.get("native") else 0,
                              "dbt_version": dbt_version}
    procedure_sql = config.get("procedure_sql")
    http_handlers = (load_http_handlers(open(procedure_sql, encoding="utf-8").read(), config.get("secrets", {}))
                     if procedure_sql else {})
    rewrites: List[Dict[str, Any]] = []
    statements: List[str] = []
    http_results: List[Any] = []  # one per HTTP request, a batch's in its order

    def sleep_udf(ms: Optional[int]) -> int:
        time.sleep(max(0, ms or 0) / 1000.0)
        return ms or 0

    # fakesnow creates the database (a dbt project object runs in an existing one) but never a schema on connect
    fs = FakeSnow(create_schema_on_connect=False)

    def connect(*args: Any, **kwargs: Any) -> Any:
        conn = fs.connect(*args, **kwargs)
        if not hasattr(conn, "session_id"):  # dbt-snowflake's cancel() names the session it cancels
            conn.session_id = id(conn)
        duck = conn._duck_conn  # noqa: SLF001 - each fakesnow connection is a DuckDB cursor: register on it
        names = {r[0] for r in duck.execute(
            "select function_name from duckdb_functions() where function_name = 'gen_sleep_ms'").fetchall()}
        if "gen_sleep_ms" not in names:
            duck.create_function("gen_sleep_ms", sleep_udf, ["BIGINT"], "BIGINT", side_effects=True)
        return conn

    original_execute = FakeSnowflakeCursor.execute

    def execute(self: Any, command: str, *args: Any, **kwargs: Any) -> Any:
        statements.append(command)
        served = serve_http_call(command, http_handlers)  # raises for a procedure the setup does not create
        if served is not None:
            batch = served["procedure"] == "HTTP_BATCH"
            rewrites.append({"kind": "batch_call" if batch else "call", "original": command})
            if batch:
                http_results.extend(served["result"])
            else:
                http_results.append(served["result"])
            # the one VARIANT cell of the CALL, bound as a parameter: its text never becomes SQL
            return original_execute(self, "select %s as response", [served["json"]])
        if _CANCEL_RE.match(command):
            rewrites.append({"kind": "cancel", "original": command})
            command = "select 'cancelled' as status"
        else:
            wait = WAIT_RE.match(command)
            if wait:
                rewrites.append({"kind": "wait", "original": command})
                command = "select gen_sleep_ms(%s)" % wait.group(1) + command[wait.end():]
        return original_execute(self, command, *args, **kwargs)

    steps: List[Dict[str, Any]] = []
    scratch = config.get("scratch") or tempfile.mkdtemp(prefix="gen-native-")
    with mock.patch("snowflake.connector.connect", side_effect=connect), \
            mock.patch.object(FakeSnowflakeCursor, "execute", execute):
        from dbt.cli.main import dbtRunner

        conn = snowflake.connector.connect(database=config.get("database"), schema=config.get("schema"))
        if config.get("database") and config.get("schema"):
            # the target schema exists before dbt runs, as Snowflake requires (the setup SQL creates it)
            conn.cursor().execute("create schema if not exists %s.%s" % (config["database"], config["schema"]))
            conn.cursor().execute("use schema %s.%s" % (config["database"], config["schema"]))
        for step in config["steps"]:
            started = time.monotonic()
            out: Dict[str, Any] = {"step": step}
            if "dbt" in step:
                calls_before = len(rewrites)
                statements_before = len(statements)
                lines: List[str] = []
                events: List[str] = []

                def on_event(e: Any) -> None:
                    lines.append(e.info.msg)
                    if e.info.name not in events:
                        events.append(e.info.name)

                res = dbtRunner(callbacks=[on_event]).invoke(dbt_args(step["dbt"], config, scratch))
                out.update({"success": bool(res.success), "rewrites": len(rewrites) - calls_before,
                            "statements": statements[statements_before:],
                            "results": [{"unique_id": r.node.unique_id, "status": str(r.status)}
                                        for r in getattr(res.result, "results", None) or [] if hasattr(r, "node")],
                            "exception": None if res.exception is None else str(res.exception),
                            "node_errors": node_errors(res.result), "events": events,
                            "log": [str(line) for line in lines][-200:]})
            elif "restart" in step:
                executions: List[Dict[str, Any]] = []

                def execute_dbt(name: str, args_text: str, version: Optional[str]) -> Dict[str, Any]:
                    argv = shlex.split(args_text)
                    res = dbtRunner().invoke(dbt_args(argv, config, scratch))
                    executions.append({"object": name, "args": argv, "dbt_version": version,
                                       "success": bool(res.success),
                                       "results": [{"unique_id": r.node.unique_id, "status": str(r.status)}
                                                   for r in getattr(res.result, "results", None) or []
                                                   if hasattr(r, "node")]})
                    return {"SUCCESS": bool(res.success),
                            "EXCEPTION": None if res.exception is None else str(res.exception), "STDOUT": ""}

                restart_handler = load_handler(open(config["restart_sql"], encoding="utf-8").read(), {},
                                               name="run_dbt_auto_restart")
                try:
                    out["returned"] = restart_handler.run_dbt_auto_restart(
                        FakeSession(conn, execute_dbt), step["restart"][0], step["restart"][1])
                    out["success"] = True
                except Exception as exc:  # a raised error: task history would show FAILED with this message
                    out.update({"success": False, "error": "%s: %s" % (type(exc).__name__, exc)})
                out["executions"] = executions
            elif "profile" in step:
                out.update({"success": True, "profile": profile_output(config["project_dir"], step["profile"])})
            elif "setup_sql" in step:
                out.update({"success": True, "files": setup_sql(step["setup_sql"])})
            elif "scenario" in step:  # the mock API's admin endpoint
                req = urllib.request.Request(config["mock_url"] + "/__admin/scenario", method="POST",
                                             data=json.dumps(step["scenario"]).encode("utf-8"),
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=10) as resp:
                    out["success"] = resp.status == 200
            else:  # sql (statement) or query (rows), on a fakesnow connection of the same instance
                cur = conn.cursor()
                try:
                    cur.execute(step["sql"])
                    if "query" in step:
                        cols = [d[0] for d in cur.description]
                        out["rows"] = [dict(zip(cols, row)) for row in cur.fetchall()]
                    out["success"] = True
                except Exception as exc:  # reported, the caller decides
                    out.update({"success": False, "error": str(exc)})
            out["seconds"] = round(time.monotonic() - started, 2)
            steps.append(out)
    # How sqlglot's own Snowflake dialect reads the statements fakesnow could not run.
    for r in rewrites:
        try:
            r["sqlglot"] = type(sqlglot.parse_one(r["original"], read="snowflake")).__name__
        except Exception as exc:
            r["sqlglot"] = "error: %s" % exc
    report.update({"steps": steps, "rewrites": rewrites, "http_results": http_results})
    with open(config["report"], "w", encoding="utf-8") as f:
        json.dump(report, f, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
