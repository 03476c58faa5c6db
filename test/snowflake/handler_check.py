"""Calls a handler of the generated Snowflake HTTP procedures, imported as a module in the venv.

    python handler_check.py CONFIG_JSON

CONFIG_JSON: {"procedure_sql": path, "secrets": {NAME: value}, and either "call": {method, url, headers, body,
options} (the HTTP procedure; headers/body/options are JSON texts, as the dbt runtime passes them) or "batch":
{requests: JSON text, concurrency} (the batch procedure)}. Prints the handler's return value (what the procedure
returns as its VARIANT) as JSON on stdout.
"""
import json
import os
import sys

# the loader the native-runtime driver uses too
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "generator", "snowflake", "native"))
from sfproc import load_http_handlers  # noqa: E402


def main() -> int:
    config = json.loads(sys.argv[1])
    handlers = load_http_handlers(open(config["procedure_sql"], encoding="utf-8").read(), config.get("secrets", {}))
    if "batch" in config:
        batch = config["batch"]
        result = handlers["HTTP_BATCH"](None, batch.get("requests"), batch.get("concurrency"))
    else:
        call = config["call"]
        result = handlers["HTTP_REQUEST"](None, call.get("method"), call.get("url"), call.get("headers"),
                                          call.get("body"), call.get("options"))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
