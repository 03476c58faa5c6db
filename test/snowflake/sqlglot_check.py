"""Parses SQL statements with sqlglot's Snowflake dialect.

    python sqlglot_check.py STATEMENTS_JSON_FILE

Prints a JSON list, one entry per statement: {"type": expression class name} ("Command" when sqlglot could
only take the statement as an opaque command), or {"error": message} when it does not parse at all.
"""
import json
import logging
import sys

import sqlglot

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # the "falling back to Command" warnings


def main() -> int:
    statements = json.load(open(sys.argv[1], encoding="utf-8"))
    out = []
    for sql in statements:
        try:
            parsed = sqlglot.parse(sql, read="snowflake")
            if len(parsed) != 1 or parsed[0] is None:
                out.append({"error": "%d statements" % len(parsed)})
            else:
                out.append({"type": type(parsed[0]).__name__})
        except Exception as exc:  # noqa: BLE001 - reported per statement
            out.append({"error": "%s: %s" % (type(exc).__name__, exc)})
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
