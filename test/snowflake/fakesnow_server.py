"""fakesnow's HTTP server (the Snowflake REST protocol, emulated on DuckDB) for the `gen deploy` tests.

    python fakesnow_server.py CONFIG_JSON

CONFIG_JSON: {"log": path, "nop_regexes": [regex, ...]}. Prints one line `READY <port>` once it listens.

snowflake-sdk (the Node driver `gen deploy` uses) talks to it over real HTTP: login, query-request, session
delete. Three things are added, all test-only and all in this file:

  * a translating shim: fakesnow answers non-DML queries with an Arrow rowset (`rowsetBase64`), which is what
    Snowflake sends to the Python connector; Snowflake sends the Node driver a JSON `rowset` instead, and the
    Node driver cannot read Arrow. The shim decodes the Arrow batch and sends the JSON rowset. Nothing else
    in the response changes.
  * `returned` added to JSON answers that lack it (fakesnow's DML results), without which the Node driver
    never completes an INSERT or MERGE.
  * a statement log: every sqlText received, with fakesnow's verdict (success, or its error code and message),
    one JSON line per statement, so that the tests see exactly what was sent and in which order.

`nop_regexes` is fakesnow's own switch: a statement matching one of them is answered "success" without being
run. The tests list there exactly the statement kinds fakesnow cannot run (network rules, secrets, external
access integrations, Python procedures, grants); everything else is executed by fakesnow.

For dbt processes that connect over the network (dbt-snowflake with host/port/protocol http), optional keys:

  * `procedure_sql` (path of a generated snowflake/04_gen_http_request_procedure.sql) and `secrets`
    ({NAME: value}): `CALL <...>_HTTP_REQUEST(...)` and `CALL <...>_HTTP_BATCH(...)` are served by the
    procedures' own Python handlers and `select system$wait(N, 'MILLISECONDS')` by a sleep, as
    generator/snowflake/native/native_dbt.py does in process.
  * `serialize: true`: statements of all sessions run one at a time (except those two, which take long and touch
    no table). Snowflake runs UPDATE, DELETE and MERGE statements on a table one after another
    (https://docs.snowflake.com/en/sql-reference/transactions#resource-locking), a waiting one then working on
    what the first committed; DuckDB under fakesnow instead fails the later of two conflicting updates.
    Every statement of a dbt run autocommits, so one at a time gives Snowflake's outcome.
  * `json_rowsets: false`: answers stay as fakesnow makes them (Arrow), which the Python connector reads.
"""
import asyncio
import base64
import gzip
import json
import os
import re
import socket
import sys
import threading
import time
from typing import Any, Dict, List, Optional

import pyarrow as pa
import uvicorn

import fakesnow.server as fs_server


def _json_cell(value: Any) -> Any:
    # Snowflake's JSON rowset carries every value as text (booleans as "1"/"0"), NULL as null.
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def arrow_to_rowset(b64: str) -> List[List[Any]]:
    if not b64:
        return []
    reader = pa.ipc.open_stream(base64.b64decode(b64))
    table = reader.read_all()
    columns = [col.to_pylist() for col in table.columns]
    return [[_json_cell(c[i]) for c in columns] for i in range(table.num_rows)]


# dbt prefixes its statements with a /* {...} */ query comment
_LEADING_COMMENT_RE = re.compile(r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*", re.DOTALL)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "generator", "snowflake",
                                "native"))
from sfproc import HTTP_CALL_RE, WAIT_RE, load_http_handlers, serve_http_call  # noqa: E402


def statement_text(sql: str) -> str:
    return sql[_LEADING_COMMENT_RE.match(sql).end():]  # type: ignore[union-attr]


def serve_procedures(procedure_sql: str, secrets: Dict[str, str]) -> None:
    """CALLs of the HTTP procedures -> their own handlers (sfproc.serve_http_call, as native_dbt.py does),
    SYSTEM$WAIT -> a sleep, in every session."""
    from fakesnow.cursor import FakeSnowflakeCursor

    handlers = load_http_handlers(open(procedure_sql, encoding="utf-8").read(), secrets)
    original_execute = FakeSnowflakeCursor.execute

    def execute(self: Any, command: str, *args: Any, **kwargs: Any) -> Any:
        text = statement_text(command)
        served = serve_http_call(text, handlers)
        if served is not None:
            # the one VARIANT cell of the CALL, bound as a parameter: its text never becomes SQL
            kwargs.pop("binding_params", None)
            return original_execute(self, "select %s as response", [served["json"]], **kwargs)
        wait = WAIT_RE.match(text)
        if wait:
            time.sleep(int(wait.group(1)) / 1000.0)
            command = "select %s as slept" % wait.group(1)
        return original_execute(self, command, *args, **kwargs)

    FakeSnowflakeCursor.execute = execute  # type: ignore[method-assign]


def runs_alone(sql: Optional[str]) -> bool:
    """Whether a statement takes the one-at-a-time lock: all but the HTTP CALLs and SYSTEM$WAIT."""
    text = statement_text(sql or "")
    return not (HTTP_CALL_RE.match(text) or WAIT_RE.match(text))


class TranslatingShim:
    """ASGI middleware around fakesnow's Starlette app."""

    def __init__(self, app: Any, log_path: str, serialize: bool = False, json_rowsets: bool = True) -> None:
        self.app = app
        self.log_path = log_path
        self.lock = threading.Lock()
        self.serialize = serialize
        self.json_rowsets = json_rowsets
        self.one_at_a_time = asyncio.Lock()

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") != "/queries/v1/query-request":
            await self.app(scope, receive, send)
            return
        chunks: List[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request_json = json.loads(gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw)

        sent_request = False

        async def replay() -> Dict[str, Any]:
            nonlocal sent_request
            if sent_request:
                return {"type": "http.disconnect"}
            sent_request = True
            return {"type": "http.request", "body": raw, "more_body": False}

        start: Dict[str, Any] = {}
        body_parts: List[bytes] = []

        async def capture(message: Dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body_parts.append(message.get("body", b""))

        if self.serialize and runs_alone(request_json.get("sqlText")):
            async with self.one_at_a_time:
                await self.app(scope, replay, capture)
        else:
            await self.app(scope, replay, capture)
        body = b"".join(body_parts)
        entry: Dict[str, Any] = {"sql": request_json.get("sqlText"), "at": time.time()}
        try:
            response = json.loads(body)
            data = response.get("data") or {}
            entry["success"] = bool(response.get("success"))
            if not response.get("success"):
                entry["code"] = response.get("code")
                entry["message"] = response.get("message")
            elif data.get("queryResultFormat") == "arrow" and self.json_rowsets:
                rowset = arrow_to_rowset(data.pop("rowsetBase64", ""))
                data["queryResultFormat"] = "json"
                data["rowset"] = rowset
                data["total"] = len(rowset)
                data["returned"] = len(rowset)
                body = json.dumps(response).encode("utf-8")
            elif "rowset" in data and "returned" not in data and self.json_rowsets:
                # DML answers (rows inserted/updated) come as JSON already, but without `returned`,
                # which the Node driver waits for: it would never complete the statement.
                data["returned"] = len(data["rowset"])
                body = json.dumps(response).encode("utf-8")
        except ValueError:
            entry["success"] = False
            entry["message"] = "non-JSON response from fakesnow"
        with self.lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        out_headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        out_headers.append((b"content-length", str(len(body)).encode("ascii")))
        await send({"type": "http.response.start", "status": start.get("status", 200), "headers": out_headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})


def main() -> int:
    config = json.loads(sys.argv[1])
    fs_server.shared_fs.nop_regexes = config.get("nop_regexes") or None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    if config.get("procedure_sql"):
        serve_procedures(config["procedure_sql"], config.get("secrets") or {})
    app = TranslatingShim(fs_server.app, config["log"], serialize=bool(config.get("serialize")),
                          json_rowsets=config.get("json_rowsets", True))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        print("FAILED to start", flush=True)
        return 1
    print("READY %d" % port, flush=True)
    try:
        # stop when the test closes our stdin (or kills us)
        sys.stdin.read()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
