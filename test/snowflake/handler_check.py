"""Calls the handler of the generated Snowflake HTTP procedure, imported as a module in the venv.

    python handler_check.py CONFIG_JSON

CONFIG_JSON: {"procedure_sql": path, "secrets": {NAME: value}, "call": {method, url, headers, body, options}}
(headers/body/options are JSON texts, as the dbt runtime passes them). Prints the handler's return value (what
the procedure returns as its VARIANT) as JSON on stdout.
"""
import json
import os
import sys

# the loader the native-runtime driver uses too
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "generator", "snowflake", "native"))
from sfproc import load_handler  # noqa: E402


def main() -> int:
    config = json.loads(sys.argv[1])
    handler = load_handler(open(config["procedure_sql"], encoding="utf-8").read(), config.get("secrets", {}))
    call = config["call"]
    result = handler.gen_http_request_handler(None, call.get("method"), call.get("url"), call.get("headers"),
                                              call.get("body"), call.get("options"))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
