"""Loads the Python body of a generated Snowflake procedure as a module, outside Snowflake.

Shared by native_dbt.py and the tests' handler_check.py. The body is the text between `AS\n$$\n` and `\n$$;` of the
CREATE PROCEDURE statement, exactly as `gen deploy` sends it. Inside Snowflake, `_snowflake` is a built-in
module; here a stand-in provides get_generic_secret_string, which, like Snowflake's, raises for a name that
is not bound in the procedure's SECRETS clause.
"""
import re
import sys
import types
from typing import Any, Dict

BODY_RE = re.compile(r"\nAS\n\$\$\n(.*?)\n\$\$;", re.DOTALL)


def procedure_body(procedure_sql: str) -> str:
    match = BODY_RE.search(procedure_sql)
    if not match:
        raise SystemExit("no $$ body in the procedure SQL")
    return match.group(1)


def load_handler(procedure_sql: str, secrets: Dict[str, str], name: str = "gen_http_request_procedure") -> Any:
    stub = types.ModuleType("_snowflake")

    def get_generic_secret_string(secret: str) -> str:
        if secret not in secrets:
            raise ValueError("secret %s is not bound in the procedure's SECRETS" % secret)
        return secrets[secret]

    stub.get_generic_secret_string = get_generic_secret_string  # type: ignore[attr-defined]
    sys.modules["_snowflake"] = stub
    module = types.ModuleType(name)
    exec(compile(procedure_body(procedure_sql), name + ".py", "exec"), module.__dict__)
    return module
