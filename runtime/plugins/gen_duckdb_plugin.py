# dbt-duckdb plugin of a generated project: registers the two runtime primitives as
# Python UDFs on every connection dbt-duckdb opens.
#   gen_http_request(method, url, headers_json, body_json, options_json VARCHAR) -> VARCHAR
#   gen_http_batch(requests_json VARCHAR, concurrency INTEGER) -> VARCHAR  (a fan-out step: many requests at once)
#   gen_sleep(seconds DOUBLE) -> DOUBLE
# and, before dbt opens the database file, takes its lock file for the whole run: `gen sync` holds that lock for
# the milliseconds of each queue transaction, so a dbt run that starts meanwhile waits instead of failing.
# Enabled by the profile:  module_paths: ["plugins"]  plugins: [{module: gen_duckdb_plugin}]
import importlib.util
import os
import sys
import time
from typing import Any, Optional

from dbt.adapters.duckdb.plugins import BasePlugin

try:
    import gen_http_core
except ImportError:  # plugins/ is not (or no longer, e.g. relative path and another cwd) on sys.path
    _spec = importlib.util.spec_from_file_location(
        "gen_http_core", os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen_http_core.py"))
    assert _spec is not None and _spec.loader is not None
    gen_http_core = importlib.util.module_from_spec(_spec)
    sys.modules["gen_http_core"] = gen_http_core
    _spec.loader.exec_module(gen_http_core)

_FUNCTIONS = ("gen_http_request", "gen_http_batch", "gen_sleep")


def _env_secret(name: str) -> Optional[str]:
    # Locally a secret is the environment variable of the dbt process with its name. gen_http_core asks only for
    # the names of {"secret": NAME} parts that options.secrets lists (the spec's), never for a name found in text.
    return os.environ.get(name)


def gen_http_request(method: Optional[str], url: Optional[str], headers_json: Optional[str],
                     body_json: Optional[str], options_json: Optional[str]) -> str:
    return gen_http_core.http_request(method or "GET", url or "", headers_json, body_json, options_json, _env_secret)


def gen_http_batch(requests_json: Optional[str], concurrency: Optional[int]) -> str:
    return gen_http_core.http_batch(requests_json, concurrency, _env_secret)


def gen_sleep(seconds: Optional[float]) -> Optional[float]:
    return None if seconds is None else gen_http_core.sleep_seconds(seconds)


def register_functions(conn: Any) -> None:
    """Register the UDFs on a DuckDB connection; safe to call again on the same connection/database."""
    existing = {row[0] for row in conn.execute(
        "select distinct function_name from duckdb_functions() where function_name in (?, ?, ?)", list(_FUNCTIONS)).fetchall()}
    specs = (("gen_http_request", gen_http_request, ["VARCHAR"] * 5, "VARCHAR"),
             ("gen_http_batch", gen_http_batch, ["VARCHAR", "INTEGER"], "VARCHAR"),
             ("gen_sleep", gen_sleep, ["DOUBLE"], "DOUBLE"))
    for name, func, params, ret in specs:
        if name in existing:
            continue
        try:
            # side_effects: DuckDB must call it for every row and never fold or dedupe calls.
            # null_handling special: NULL arguments reach Python as None instead of yielding NULL.
            conn.create_function(name, func, params, ret, null_handling="special", side_effects=True)
        except Exception as exc:
            message = str(exc)
            if "already" in message:  # registered concurrently since the check above
                continue
            if "numpy" in message:  # duckdb >= 1.2.2 needs numpy for any create_function (duckdb#17052)
                raise RuntimeError("gen_duckdb_plugin: cannot register %s: %s. Install numpy in the Python "
                                   "environment that runs dbt (pip install numpy)." % (name, message)) from exc
            raise


try:
    import fcntl
except ImportError:  # not on Windows: there dbt and gen sync do not share a database file at the same time
    fcntl = None  # type: ignore[assignment]

# How long a dbt run waits for the lock file. gen sync holds it for milliseconds; another dbt run holds it for
# its whole run, and then this one fails after the wait, as it would at once on DuckDB's own lock.
LOCK_WAIT_S = 10.0
_held_locks = {}


def hold_database_lock(path: Optional[str], wait_s: float = LOCK_WAIT_S) -> None:
    """Takes <database>.gen-lock for the rest of this process (dbt may close and reopen the database meanwhile)."""
    if fcntl is None or not path or path == ":memory:" or ":" in os.path.basename(path) or "://" in path:
        return
    key = os.path.abspath(path)
    if key in _held_locks:
        return
    fd = os.open(key + ".gen-lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise RuntimeError("gen_duckdb_plugin: %s is in use by another dbt run (waited %g s)" % (path, wait_s))
            time.sleep(0.01)
    _held_locks[key] = fd


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: Any) -> None:
        hold_database_lock(getattr(creds, "path", None))

    def configure_connection(self, conn: Any) -> None:
        register_functions(conn)
