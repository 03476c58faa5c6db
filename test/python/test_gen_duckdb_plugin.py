"""Tests of runtime/plugins/gen_duckdb_plugin.py: in-process DuckDB, then a real `dbt run`."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from typing import Any, Dict

import duckdb

from test_gen_http_core import PLUGINS_DIR, ScriptedServer  # the tests' own scripted server

import gen_duckdb_plugin  # noqa: E402  (PLUGINS_DIR is on sys.path, as module_paths puts it)
from dbt.adapters.duckdb.plugins import BasePlugin  # noqa: E402

# the project-local venv that `npm run setup` creates
DEFAULT_DBT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".venv", "bin", "dbt")
DBT = os.environ.get("GEN_DBT") or DEFAULT_DBT


def new_plugin() -> Any:
    return gen_duckdb_plugin.Plugin("gen_duckdb_plugin", {})  # the way dbt-duckdb constructs it


class DuckDBPluginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ScriptedServer()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def setUp(self) -> None:
        self.conn = duckdb.connect()
        self.addCleanup(self.conn.close)  # unclosed connections with UDFs make nanobind print leak warnings at exit
        plugin = new_plugin()
        plugin.configure_connection(self.conn)
        plugin.configure_connection(self.conn)  # idempotent

    def request(self, sql: str, *params: Any) -> Any:
        return self.conn.execute(sql, list(params)).fetchall()

    def test_registered_signatures(self) -> None:
        rows = self.request("select function_name, parameter_types, return_type from duckdb_functions() "
                            "where function_name in ('gen_http_request', 'gen_http_batch', 'gen_sleep') order by 1")
        self.assertEqual(rows, [("gen_http_batch", ["VARCHAR", "INTEGER"], "VARCHAR"),
                                ("gen_http_request", ["VARCHAR"] * 5, "VARCHAR"), ("gen_sleep", ["DOUBLE"], "DOUBLE")])

    def test_http_batch_sends_every_request_of_one_call(self) -> None:
        requests = [{"method": "POST", "url": self.server.url("/echo/batch%d" % i), "body": {"i": i}} for i in range(5)]
        [(raw,)] = self.request("select gen_http_batch(?, 3)", json.dumps(requests))
        results = json.loads(raw)
        self.assertEqual([json.loads(r["body"]["body_text"])["i"] for r in results], list(range(5)))
        self.assertEqual(sum(len(self.server.hits("/echo/batch%d" % i)) for i in range(5)), 5)

    def test_http_request_returns_result_json(self) -> None:
        url = self.server.url("/echo/plugin")
        [(raw,)] = self.request("select gen_http_request('GET', ?, '{}', NULL, NULL)", url)
        r = json.loads(raw)
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["body"]["method"], "GET")
        self.assertEqual(len(self.server.hits("/echo/plugin")), 1)

    def test_post_body_round_trips_through_sql(self) -> None:
        body = json.dumps({"s": "é 😀 '$$' {{ x }} \\ \"q\"\n"}, ensure_ascii=False)
        [(raw,)] = self.request("select gen_http_request('POST', ?, NULL, ?, '{\"timeout_s\": 5}')",
                                self.server.url("/echo/body"), body)
        self.assertEqual(json.loads(raw)["body"]["body_text"], body)
        self.assertEqual(self.server.hits("/echo/body")[-1]["body"], body.encode("utf-8"))

    def test_every_row_and_every_call_sends_a_request(self) -> None:
        url = self.server.url("/echo/rows")
        rows = self.request("select gen_http_request('GET', ?, '{}', NULL, NULL) from range(2)", url)
        self.assertEqual(len(rows), 2)
        self.assertEqual(len(self.server.hits("/echo/rows")), 2)
        url = self.server.url("/echo/twice")
        self.request("select gen_http_request('GET', ?, '{}', NULL, NULL) as a, "
                     "gen_http_request('GET', ?, '{}', NULL, NULL) as b", url, url)
        self.assertEqual(len(self.server.hits("/echo/twice")), 2)  # identical calls not deduplicated

    def test_null_arguments_are_accepted(self) -> None:
        [(raw,)] = self.request("select gen_http_request(NULL, ?, NULL, NULL, NULL)", self.server.url("/echo/nulls"))
        self.assertTrue(json.loads(raw)["ok"])
        self.assertEqual(self.server.hits("/echo/nulls")[-1]["method"], "GET")
        [(raw,)] = self.request("select gen_http_request('GET', NULL, NULL, NULL, NULL)")
        self.assertEqual(json.loads(raw)["error"]["kind"], "bad_request")

    def test_malformed_headers_fail_the_query(self) -> None:
        with self.assertRaises(duckdb.Error) as ctx:
            self.request("select gen_http_request('GET', ?, '[1]', NULL, NULL)", self.server.url("/echo/never"))
        self.assertIn("headers_json", str(ctx.exception))

    def test_secret_from_environment(self) -> None:
        name = "GEN_TEST_PLUGIN_SECRET"
        headers = json.dumps({"Authorization": [{"text": "Bearer "}, {"secret": name}]})
        options = json.dumps({"secrets": [name]})
        sql = "select gen_http_request('GET', ?, ?, NULL, ?)"
        os.environ.pop(name, None)
        [(raw,)] = self.request(sql, self.server.url("/echo/env"), headers, options)
        self.assertEqual(json.loads(raw)["error"]["kind"], "secret_missing")
        self.assertEqual(self.server.hits("/echo/env"), [])
        os.environ[name] = "env-secret-123"
        self.addCleanup(os.environ.pop, name, None)
        [(raw,)] = self.request(sql, self.server.url("/echo/env"), headers, options)
        self.assertNotIn("env-secret-123", raw)
        self.assertEqual(self.server.hits("/echo/env")[-1]["headers"]["Authorization"], "Bearer env-secret-123")

    def test_placeholder_text_never_reads_the_environment(self) -> None:
        # any environment variable of dbt's could be named by an API response: text is sent as it is
        name = "GEN_TEST_PLUGIN_OTHER"
        os.environ[name] = "other-value-456"
        self.addCleanup(os.environ.pop, name, None)
        headers = json.dumps({"X-Id": [{"text": "${secret.%s}" % name}], "X-Raw": "${secret.%s}" % name})
        [(raw,)] = self.request("select gen_http_request('GET', ?, ?, NULL, NULL)", self.server.url("/echo/other"),
                                headers)
        self.assertTrue(json.loads(raw)["ok"], raw)
        got = self.server.hits("/echo/other")[-1]["headers"]
        self.assertEqual((got["X-Id"], got["X-Raw"]), ("${secret.%s}" % name, "${secret.%s}" % name))
        # and a secret part for a name the spec does not use is refused
        headers = json.dumps({"X-Id": [{"secret": name}]})
        [(raw,)] = self.request("select gen_http_request('GET', ?, ?, NULL, ?)", self.server.url("/echo/undeclared"),
                                headers, json.dumps({"secrets": ["GEN_TEST_PLUGIN_SECRET"]}))
        self.assertEqual(json.loads(raw)["error"]["kind"], "bad_request")
        self.assertNotIn("other-value-456", raw)
        self.assertEqual(self.server.hits("/echo/undeclared"), [])

    def test_sleep(self) -> None:
        t0 = time.monotonic()
        self.assertEqual(self.request("select gen_sleep(0.05)"), [(0.05,)])
        self.assertGreaterEqual(time.monotonic() - t0, 0.05)
        self.assertEqual(self.request("select gen_sleep(NULL)"), [(None,)])
        t0 = time.monotonic()
        self.request("select gen_sleep(0.02) from range(3)")
        self.assertGreaterEqual(time.monotonic() - t0, 0.06)  # called per row

    def test_cursors_and_already_registered_connections(self) -> None:
        cursor = self.conn.cursor()  # dbt-duckdb runs queries on cursors of the configured connection
        self.addCleanup(cursor.close)
        new_plugin().configure_connection(cursor)  # functions already exist there: no error
        self.assertEqual(cursor.execute("select gen_sleep(0)").fetchall(), [(0.0,)])

    def test_created_like_dbt_duckdb_does(self) -> None:
        plugin = BasePlugin.create("gen_duckdb_plugin", config={})
        self.assertIsInstance(plugin, gen_duckdb_plugin.Plugin)
        conn = duckdb.connect()
        self.addCleanup(conn.close)
        plugin.configure_connection(conn)
        self.assertEqual(conn.execute("select gen_sleep(0)").fetchall(), [(0.0,)])

    def test_core_found_when_plugins_dir_is_not_on_sys_path(self) -> None:
        # e.g. module_paths was relative and the cwd changed: the plugin loads the core from its own directory
        code = textwrap.dedent("""
            import importlib.util, sys
            spec = importlib.util.spec_from_file_location("gen_duckdb_plugin", sys.argv[1])
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            print(mod.gen_http_core.GEN_HTTP_CORE_VERSION, mod.gen_http_core.__file__)
        """)
        out = subprocess.run([sys.executable, "-c", code, os.path.join(PLUGINS_DIR, "gen_duckdb_plugin.py")],
                             cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(out.stdout.startswith("1 " + PLUGINS_DIR), out.stdout)


@unittest.skipUnless(os.environ.get("GEN_DBT") or os.path.exists(DEFAULT_DBT), "dbt not available (set GEN_DBT)")
class DbtRunTest(unittest.TestCase):
    """A throwaway dbt project whose model calls the UDF: proves dbt-duckdb loads and registers the plugin."""

    def test_dbt_run_calls_the_api_through_the_plugin(self) -> None:
        server = ScriptedServer()
        self.addCleanup(server.close)
        tmp = tempfile.mkdtemp(prefix="gen_dbt_plugin_")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.makedirs(os.path.join(tmp, "plugins"))
        os.makedirs(os.path.join(tmp, "models"))
        for name in ("gen_http_core.py", "gen_duckdb_plugin.py"):
            shutil.copy(os.path.join(PLUGINS_DIR, name), os.path.join(tmp, "plugins", name))
        files: Dict[str, str] = {
            "dbt_project.yml": """
                name: gen_plugin_probe
                version: "1.0.0"
                config-version: 2
                profile: gen_plugin_probe
                model-paths: ["models"]
                flags:
                  send_anonymous_usage_stats: false
            """,
            "profiles.yml": """
                gen_plugin_probe:
                  target: dev
                  outputs:
                    dev:
                      type: duckdb
                      path: probe.duckdb
                      threads: 1
                      module_paths: ["plugins"]
                      plugins:
                        - module: gen_duckdb_plugin
            """,
            # a table, so that `dbt run` executes the call (a view would only bind it)
            "models/probe.sql": """
                {{ config(materialized='table') }}
                select gen_http_request('GET', '%s', '{"Authorization": [{"text": "Bearer "}, {"secret": "GEN_PROBE_TOKEN"}]}',
                                        null, '{"secrets": ["GEN_PROBE_TOKEN"]}') as r
            """ % server.url("/echo/dbt"),
        }
        for rel, content in files.items():
            with open(os.path.join(tmp, rel), "w", encoding="utf-8") as f:
                f.write(textwrap.dedent(content).lstrip())
        env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1", GEN_PROBE_TOKEN="probe-tok")
        out = subprocess.run([DBT, "run", "--profiles-dir", ".", "--project-dir", "."], cwd=tmp, env=env,
                             capture_output=True, text=True, timeout=600)
        self.assertEqual(out.returncode, 0, out.stdout[-4000:] + out.stderr[-4000:])
        hits = server.hits("/echo/dbt")
        self.assertEqual(len(hits), 1)
        self.assertEqual(hits[0]["headers"]["Authorization"], "Bearer probe-tok")
        conn = duckdb.connect(os.path.join(tmp, "probe.duckdb"), read_only=True)
        self.addCleanup(conn.close)
        [(raw,)] = conn.execute("select r from probe").fetchall()
        r = json.loads(raw)
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["body"]["headers"]["Authorization"], "Bearer ***")


if __name__ == "__main__":
    unittest.main()
