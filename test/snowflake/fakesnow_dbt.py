"""Runs dbt-snowflake in-process against fakesnow (Snowflake SQL emulated on DuckDB), for test/snowflake.

    python fakesnow_dbt.py CONFIG_JSON

CONFIG_JSON: {"project_dir", "procedure_sql", "database", "schema", "mock_url", "secrets": {NAME: value},
              "steps": [{"dbt": [args]} | {"sql": text} | {"query": label, "sql": text} | {"scenario": {...}}],
              "report": path}
Steps run in order, in one process, on one fakesnow instance; the report has one entry per step.

What runs for real: dbt-core and dbt-snowflake (profiles, adapter macros, materializations, the snowflake__
variants of gen's dispatched macros), every statement they issue parsed and transpiled by fakesnow and executed
by DuckDB. What fakesnow cannot run, and what this driver does instead (each rewrite is written to the report,
and the tests assert on it):

  * `CALL <db>.<schema>.<PROJECT>_HTTP_REQUEST(...)`: fakesnow has no procedures. The statement text produced by
    snowflake__gen_http_request_sql is rewritten, prefix only, to `select gen_http_request(...)`, a DuckDB
    Python UDF whose body is the procedure's own handler: the Python between the `$$` of
    snowflake/04_gen_http_request_procedure.sql, loaded as a module with a stand-in `_snowflake` module whose
    get_generic_secret_string reads the `secrets` given here (Snowflake reads the SECRET objects).
  * `select system$wait(N, 'MILLISECONDS')`: no such function in fakesnow; rewritten to a UDF that sleeps N ms.

Nothing else is rewritten. The setup DDL (network rule, secrets, integration, procedure, grants) is not run
here at all: fakesnow supports none of it (see test/snowflake/deploy.test.ts for what gen deploy does with it).
"""
import json
import re
import sys
import time
import unittest.mock as mock
import urllib.request
from typing import Any, Dict, List, Optional

import snowflake.connector
import sqlglot
from fakesnow.cursor import FakeSnowflakeCursor
from fakesnow.instance import FakeSnow

from sfproc import load_handler

_CALL_RE = re.compile(r"^\s*call\s+(?:[A-Za-z_][A-Za-z0-9_$]*\.){0,2}[A-Za-z0-9_$]*_HTTP_REQUEST\s*\(", re.IGNORECASE)
_WAIT_RE = re.compile(r"^\s*select\s+system\$wait\(\s*(\d+)\s*,\s*'MILLISECONDS'\s*\)", re.IGNORECASE)


def main() -> int:
    config = json.loads(sys.argv[1])
    handler = load_handler(open(config["procedure_sql"], encoding="utf-8").read(), config.get("secrets", {}))
    rewrites: List[Dict[str, Any]] = []
    http_results: List[Any] = []

    def http_udf(method: Optional[str], url: Optional[str], headers: Optional[str], body: Optional[str],
                 options: Optional[str]) -> str:
        result = handler.gen_http_request_handler(None, method, url, headers, body, options)
        http_results.append(result)
        return json.dumps(result)

    def sleep_udf(ms: Optional[int]) -> int:
        time.sleep(max(0, ms or 0) / 1000.0)
        return ms or 0

    fs = FakeSnow()

    def connect(*args: Any, **kwargs: Any) -> Any:
        conn = fs.connect(*args, **kwargs)
        duck = conn._duck_conn  # noqa: SLF001 - each fakesnow connection is a DuckDB cursor: register on it
        names = {r[0] for r in duck.execute(
            "select function_name from duckdb_functions() where function_name in ('gen_http_request', 'gen_sleep_ms')"
        ).fetchall()}
        if "gen_http_request" not in names:
            duck.create_function("gen_http_request", http_udf, ["VARCHAR"] * 5, "VARCHAR",
                                 null_handling="special", side_effects=True)
        if "gen_sleep_ms" not in names:
            duck.create_function("gen_sleep_ms", sleep_udf, ["BIGINT"], "BIGINT", side_effects=True)
        return conn

    original_execute = FakeSnowflakeCursor.execute

    def execute(self: Any, command: str, *args: Any, **kwargs: Any) -> Any:
        if _CALL_RE.match(command):
            rewritten = _CALL_RE.sub("select gen_http_request(", command, count=1)
            rewrites.append({"kind": "call", "original": command})
            command = rewritten
        else:
            wait = _WAIT_RE.match(command)
            if wait:
                rewrites.append({"kind": "wait", "original": command})
                command = "select gen_sleep_ms(%s)" % wait.group(1) + command[wait.end():]
        return original_execute(self, command, *args, **kwargs)

    steps: List[Dict[str, Any]] = []
    with mock.patch("snowflake.connector.connect", side_effect=connect), \
            mock.patch.object(FakeSnowflakeCursor, "execute", execute):
        from dbt.cli.main import dbtRunner

        conn = snowflake.connector.connect(database=config["database"], schema=config["schema"])
        for step in config["steps"]:
            started = time.monotonic()
            out: Dict[str, Any] = {"step": step}
            if "dbt" in step:
                calls_before = len(rewrites)
                res = dbtRunner().invoke(step["dbt"] + ["--project-dir", config["project_dir"],
                                                        "--profiles-dir", config["project_dir"]])
                out.update({"success": bool(res.success), "rewrites": len(rewrites) - calls_before,
                            "exception": None if res.exception is None else str(res.exception)})
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
                except Exception as exc:  # reported, the test decides
                    out.update({"success": False, "error": str(exc)})
            out["seconds"] = round(time.monotonic() - started, 2)
            steps.append(out)
    # How sqlglot's own Snowflake dialect reads the statements fakesnow could not run.
    for r in rewrites:
        try:
            r["sqlglot"] = type(sqlglot.parse_one(r["original"], read="snowflake")).__name__
        except Exception as exc:
            r["sqlglot"] = "error: %s" % exc
    with open(config["report"], "w", encoding="utf-8") as f:
        json.dump({"steps": steps, "rewrites": rewrites, "http_results": http_results}, f, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
