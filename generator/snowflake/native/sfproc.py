"""Loads the Python body of a generated Snowflake procedure as a module, outside Snowflake, and serves CALLs of the
HTTP procedures with it.

Shared by native_dbt.py and the tests' handler_check.py (and any fakesnow front end that must answer the CALLs). The
body is the text between `AS\n$$\n` and `\n$$;` of the CREATE PROCEDURE statement, exactly as `gen deploy` sends
it. Inside Snowflake, `_snowflake` is a built-in module; here a stand-in provides get_generic_secret_string, which,
like Snowflake's, raises for a name that is not bound in the procedure's SECRETS clause.
"""
import json
import re
import sys
import types
from typing import Any, Dict, List, Optional

BODY_RE = re.compile(r"\nAS\n\$\$\n(.*?)\n\$\$;", re.DOTALL)

# The handler of each HTTP procedure of snowflake/04_gen_http_request_procedure.sql, by the suffix of its name.
HTTP_HANDLERS = {"HTTP_REQUEST": "gen_http_request_handler", "HTTP_BATCH": "gen_http_batch_handler"}

# The runtime's sleep on Snowflake (macro snowflake__gen_sleep_sql), which fakesnow does not have
WAIT_RE = re.compile(r"^\s*select\s+system\$wait\(\s*(\d+)\s*,\s*'MILLISECONDS'\s*\)", re.IGNORECASE)

# CALL [db.][schema.]<PROJECT>_HTTP_REQUEST(...) or ..._HTTP_BATCH(...), as the runtime's macros write them, with
# the query comment dbt-snowflake appends (`/* {...} */`)
HTTP_CALL_RE = re.compile(
    r"^\s*call\s+(?:[A-Za-z_][A-Za-z0-9_$]*\.){0,2}[A-Za-z0-9_$]*_(HTTP_REQUEST|HTTP_BATCH)\s*\((.*)\)"
    r"\s*(?:/\*(?:(?!\*/).)*\*/\s*)?;?\s*$",
    re.IGNORECASE | re.DOTALL)


def procedure_body(procedure_sql: str, handler: Optional[str] = None) -> str:
    """The body of the file's first procedure, or of the one that defines `handler`."""
    for match in BODY_RE.finditer(procedure_sql):
        if handler is None or re.search(r"^def %s\(" % re.escape(handler), match.group(1), re.MULTILINE):
            return match.group(1)
    raise SystemExit("no $$ body%s in the procedure SQL" % (" defining %s" % handler if handler else ""))


def load_handler(procedure_sql: str, secrets: Dict[str, str], name: str = "gen_http_request_procedure",
                 handler: Optional[str] = None) -> Any:
    """The body (of the first procedure, or of the one defining `handler`) run as a module named `name`."""
    stub = types.ModuleType("_snowflake")

    def get_generic_secret_string(secret: str) -> str:
        if secret not in secrets:
            raise ValueError("secret %s is not bound in the procedure's SECRETS" % secret)
        return secrets[secret]

    stub.get_generic_secret_string = get_generic_secret_string  # type: ignore[attr-defined]
    sys.modules["_snowflake"] = stub
    module = types.ModuleType(name)
    exec(compile(procedure_body(procedure_sql, handler), name + ".py", "exec"), module.__dict__)
    return module


def load_http_handlers(procedure_sql: str, secrets: Dict[str, str]) -> Dict[str, Any]:
    """The handler function of each HTTP procedure the file creates: {"HTTP_REQUEST": f, "HTTP_BATCH": f} (the batch
    one only when a workflow has for_each). Each is the procedure's own body, loaded as its own module."""
    out: Dict[str, Any] = {}
    for suffix, handler in HTTP_HANDLERS.items():
        if re.search(r"^\s*HANDLER = '%s'$" % handler, procedure_sql, re.MULTILINE):
            module = load_handler(procedure_sql, secrets, name=handler.replace("_handler", "_procedure"),
                                  handler=handler)
            out[suffix] = getattr(module, handler)
    return out


def call_arguments(arguments_sql: str) -> List[Any]:
    """The values of a CALL's argument list as Snowflake reads them (string literals with their escapes, NULL,
    CAST(NULL AS ...), numbers), read by sqlglot's Snowflake dialect."""
    import sqlglot
    from sqlglot import exp

    values: List[Any] = []
    for e in sqlglot.parse_one("select " + arguments_sql, read="snowflake").expressions:
        if isinstance(e, exp.Cast):
            e = e.this
        if isinstance(e, exp.Null):
            values.append(None)
        elif isinstance(e, exp.Literal):
            values.append(e.this if e.is_string else json.loads(e.this))
        else:
            raise ValueError("not a literal argument: %s" % e.sql(dialect="snowflake"))
    return values


def serve_http_call(sql: str, handlers: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """A CALL of one of the HTTP procedures, answered by its handler (handlers: from load_http_handlers).

    Returns None when `sql` is no such CALL; else {"procedure": "HTTP_REQUEST" | "HTTP_BATCH", "result": the
    VARIANT the procedure returns (a Python value), "json": that value as the JSON text a connector hands over}.
    Raises when the file creates no such procedure (as Snowflake would: it does not exist)."""
    match = HTTP_CALL_RE.match(sql)
    if not match:
        return None
    procedure = match.group(1).upper()
    handler = handlers.get(procedure)
    if handler is None:
        raise RuntimeError("no %s procedure to serve the CALL (the setup creates none)" % procedure)
    result = handler(None, *call_arguments(match.group(2)))
    return {"procedure": procedure, "result": result, "json": json.dumps(result)}
