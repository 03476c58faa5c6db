# The sync queue of a DuckDB project, read and written by `gen sync` directly (no dbt start): one request per
# line on stdin, one JSON answer per line on stdout. Each request opens the database file, does its work in one
# short transaction and closes it again, so a dbt run waits milliseconds at most (the project's DuckDB plugin
# takes the same lock file before dbt opens the database, and keeps it for the run).
#
# Request:  {"op": "claim" | "finish" | "status" | "list" | "retry", "db": PATH, "wait_ms": N, ...}
# Answer:   {"ok": true, "result": ...}  or  {"ok": false, "busy": bool, "error": TEXT}
import datetime
import fcntl
import json
import os
import signal
import sys
import time

try:
    # The extension module itself: `import duckdb` also loads the package's Python API (relations, expressions,
    # importlib.metadata), about 120 ms of a `gen sync --status` that needs none of it.
    import _duckdb as duckdb
except ImportError:  # a duckdb older than 1.4 has no top-level extension module
    import duckdb

QUEUE = "gen_sync_queue"
# A row left `processing` this long belongs to a sync that died: it is due again.
STALE_MINUTES = 15
NOW = "cast(timezone('UTC', now()) as timestamp)"
STATUSES = ("pending", "processing", "completed", "failed")


class Busy(Exception):
    """The database is held by another process (a dbt run) for longer than the request may wait."""


def lock_path(db):
    # The same file the project's DuckDB plugin (plugins/gen_duckdb_plugin.py) locks for a dbt run.
    return db + ".gen-lock"


class Database:
    """The lock file, then the database, for one request; both released on exit."""

    def __init__(self, db, wait_ms, read_only=False):
        self.db = db
        self.read_only = read_only
        self.deadline = time.monotonic() + max(0, wait_ms) / 1000.0
        self.lock_fd = None
        self.conn = None

    def _wait(self, what):
        if time.monotonic() >= self.deadline:
            raise Busy(what)
        time.sleep(0.01)

    def __enter__(self):
        self.lock_fd = os.open(lock_path(self.db), os.O_RDWR | os.O_CREAT, 0o644)
        while True:
            try:
                fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                self._wait("the database is in use by a dbt run")
        while True:
            try:
                self.conn = duckdb.connect(self.db, read_only=self.read_only)
                return self.conn
            except duckdb.IOException as e:
                # held by a process that does not take the lock file (the duckdb CLI, an older build)
                if "lock" not in str(e).lower():
                    raise
                self._wait("the database is locked by another process")

    def __exit__(self, *exc):
        try:
            if self.conn is not None:
                self.conn.close()
        finally:
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
            os.close(self.lock_fd)


def plain(value):
    """A value as JSON carries it: timestamps as text (as dbt's agate rows printed them), decimals as numbers."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    # a Decimal exists only once duckdb has imported decimal: the helper does not pay that import itself
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def rows(conn, sql, params=()):
    cur = conn.execute(sql, list(params))
    names = [d[0].lower() for d in cur.description]
    return [dict(zip(names, map(plain, r))) for r in cur.fetchall()]


def has_table(conn, name):
    return bool(conn.execute(
        "select 1 from information_schema.tables where table_schema = current_schema() and table_name = ?",
        [name]).fetchall())


def quoted(name):
    # names come from the validated plan; quoting keeps them identifiers whatever they are
    return '"' + name.replace('"', '""') + '"'


def claim(conn, req):
    if not has_table(conn, QUEUE):
        return {"items": []}
    workflows = {w["name"]: w for w in req["workflows"]}
    conn.execute("begin transaction")
    try:
        conn.execute(f"update {QUEUE} set status = 'pending', updated_at = {NOW} where status = 'processing' "
                     f"and updated_at < {NOW} - interval {STALE_MINUTES} minute")
        due = rows(conn, f"select execution_id, workflow, retry_count, max_retries from {QUEUE} "
                         f"where status = 'pending' and (next_attempt_at is null or next_attempt_at <= {NOW}) "
                         "order by created_at, execution_id limit ?", [int(req["limit"])])
        items = []
        for item in due:
            conn.execute(f"update {QUEUE} set status = 'processing', updated_at = {NOW} where execution_id = ?",
                         [item["execution_id"]])
            wf = workflows.get(item["workflow"])
            if wf is None:
                items.append(dict(item, state=None, attempts=[],
                                  error="workflow %s is not synced (not in the spec's sync)" % item["workflow"]))
                continue
            state = rows(conn, f"select * from {quoted(wf['state'])} where execution_id = ?", [item["execution_id"]]) \
                if has_table(conn, wf["state"]) else []
            attempts = rows(conn, f"select * from {quoted(wf['attempts'])} where execution_id = ? "
                                  "order by logged_at, call_number, attempt", [item["execution_id"]]) \
                if has_table(conn, wf["attempts"]) else []
            items.append(dict(item, state=state[0] if state else None, attempts=attempts,
                              error=None if state else "execution %s is no longer in %s" % (
                                  item["execution_id"], wf["state"])))
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return {"items": items}


def finish(conn, req):
    if not has_table(conn, QUEUE):
        return {"recorded": 0}
    backoff_s = float(req["backoff_s"])
    conn.execute("begin transaction")
    try:
        for r in req["results"]:
            if r["ok"]:
                conn.execute(f"update {QUEUE} set status = 'completed', error_message = null, processed_at = {NOW}, "
                             f"updated_at = {NOW} where execution_id = ?", [r["execution_id"]])
            else:
                # the next try waits backoff_s * 2^retries; the item is final after max_retries tries
                delay = int(backoff_s * (2 ** int(r.get("retry_count") or 0)))
                conn.execute(f"update {QUEUE} set retry_count = retry_count + 1, error_message = ?, updated_at = {NOW}, "
                             "status = case when retry_count + 1 >= max_retries then 'failed' else 'pending' end, "
                             f"next_attempt_at = {NOW} + to_seconds(?) where execution_id = ?",
                             [str(r.get("error") or "failed"), delay, r["execution_id"]])
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return {"recorded": len(req["results"])}


ITEM_COLUMNS = ("execution_id, workflow, status, retry_count, max_retries, error_message, created_at, updated_at, "
                "next_attempt_at, processed_at")


def status(conn, req):
    execution_id = req.get("execution_id")
    if execution_id is not None:
        found = rows(conn, f"select {ITEM_COLUMNS} from {QUEUE} where execution_id = ?", [execution_id]) \
            if has_table(conn, QUEUE) else []
        return {"item": found[0] if found else None}
    counts = {s: 0 for s in STATUSES}
    if not has_table(conn, QUEUE):
        return {"counts": counts, "failed": [], "retrying": []}
    for r in rows(conn, f"select status, count(*) as n from {QUEUE} group by status"):
        counts[r["status"]] = r["n"]
    limit = int(req.get("limit") or 50)
    failed = rows(conn, f"select execution_id, workflow, retry_count, error_message, updated_at from {QUEUE} "
                        "where status = 'failed' order by updated_at desc, execution_id limit ?", [limit])
    retrying = rows(conn, f"select execution_id, retry_count, error_message, next_attempt_at from {QUEUE} "
                          "where status = 'pending' and retry_count > 0 order by next_attempt_at, execution_id "
                          "limit ?", [limit])
    return {"counts": counts, "failed": failed, "retrying": retrying}


def listing(conn, req):
    if not has_table(conn, QUEUE):
        return {"items": []}
    wanted = req.get("status")
    where = "where status = ?" if wanted else ""
    params = [wanted] if wanted else []
    return {"items": rows(conn, f"select {ITEM_COLUMNS} from {QUEUE} {where} "
                                "order by updated_at desc, execution_id limit ?", params + [int(req["limit"])])}


def retry(conn, req):
    if not has_table(conn, QUEUE):
        return {"requeued": []}
    execution_id = req.get("execution_id")
    where = "where status = 'failed'" + (" and execution_id = ?" if execution_id else "")
    params = [execution_id] if execution_id else []
    conn.execute("begin transaction")
    try:
        ids = [r["execution_id"] for r in rows(conn, f"select execution_id from {QUEUE} {where} order by 1", params)]
        conn.execute(f"update {QUEUE} set status = 'pending', retry_count = 0, next_attempt_at = null, "
                     f"updated_at = {NOW} {where}", params)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return {"requeued": ids}


OPS = {"claim": claim, "finish": finish, "status": status, "list": listing, "retry": retry}


# Operations that never create the database: on a project that has not run, they report it instead.
NEEDS_DATABASE = ("status", "list", "retry")
# Operations that only read: the database is opened read-only, so that not even a checkpoint writes the file.
READ_ONLY = ("status", "list")


def answer(req):
    op = OPS.get(req.get("op"))
    if op is None:
        return {"ok": False, "busy": False, "error": "unknown operation %r" % req.get("op")}
    if req.get("op") in NEEDS_DATABASE and not os.path.exists(req["db"]):
        return {"ok": False, "busy": False, "error": "the database does not exist (the project has not run yet)"}
    try:
        with Database(req["db"], int(req.get("wait_ms") or 0), req.get("op") in READ_ONLY) as conn:
            return {"ok": True, "result": op(conn, req)}
    except Busy as e:
        return {"ok": False, "busy": True, "error": str(e)}
    except Exception as e:  # a database error: reported to the caller, the helper goes on
        return {"ok": False, "busy": False, "error": "%s: %s" % (type(e).__name__, e)}


def main():
    # Ctrl-C and SIGTERM are for gen sync, which finishes its round (recording outcomes here) and then closes
    # stdin; the helper ends at end of input, also when gen sync was killed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # DuckDB's first database of a process costs its one-time set-up (~10 ms): paid here, while gen is still
    # reading the spec, instead of in the first request
    duckdb.connect(":memory:").close()
    print(json.dumps({"ok": True, "ready": True, "duckdb": duckdb.__version__}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(answer(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
