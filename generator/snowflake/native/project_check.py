"""What `gen deploy --check` asks of a project besides dbt's own parse and compile (steps of native_dbt.py).

profile_output: the DEFAULT_TARGET output of the project's profile as dbt renders it without --vars, with
env_var() raising as in dbt Projects on Snowflake. Only the keys Snowflake requires are reported with their
values; of the others (a password, say) only whether they call env_var() or fail to render.

setup_sql: every snowflake/*.sql file read by sqlglot's Snowflake dialect: how many statements its tokenizer
counts (runs of tokens between semicolons; its parser cannot be asked per file, as it reads a CREATE PROCEDURE
... AS $$...$$ and everything after it as one statement), and whether each statement gen deploy sends parses on
its own as exactly one.
"""
import logging
import os
import re
from typing import Any, Dict, List

import sqlglot
import yaml

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # the "falling back to Command" warnings

# What profiles.yml must name for a dbt project object: type snowflake, role, warehouse, database, schema
# (https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-limitations).
PROFILE_KEYS = ("type", "role", "warehouse", "database", "schema")
_ENV_VAR_CALL = re.compile(r"\benv_var\s*\(")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # sqlglot underlines the offending token in its messages


def _calls_env_var(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_calls_env_var(v) for v in value.values())
    if isinstance(value, list):
        return any(_calls_env_var(v) for v in value)
    return isinstance(value, str) and bool(_ENV_VAR_CALL.search(value))


def profile_output(project_dir: str, target: str) -> Dict[str, Any]:
    from dbt.config.profile import read_profile
    from dbt.config.renderer import ProfileRenderer

    out: Dict[str, Any] = {"profile": None, "outputs": [], "found": False, "values": {}, "env_var_keys": [],
                           "errors": {}}
    try:
        with open(os.path.join(project_dir, "dbt_project.yml"), encoding="utf-8") as f:
            project = yaml.safe_load(f) or {}
        renderer = ProfileRenderer({})  # no --vars: each var() takes the default the project wrote
        out["profile"] = name = renderer.render_value(project.get("profile"))
        profile = (read_profile(project_dir) or {}).get(name) or {}
        outputs = profile.get("outputs") or {}
    except Exception as exc:  # noqa: BLE001 - reported, the caller names the problem
        out["errors"]["profiles.yml"] = str(exc)
        return out
    out["outputs"] = sorted(str(k) for k in outputs)
    raw = outputs.get(target)
    if not isinstance(raw, dict):
        return out
    out["found"] = True
    for key, value in raw.items():
        if _calls_env_var(value):
            out["env_var_keys"].append(str(key))
        try:
            rendered = renderer.render_data({key: value})[key]
        except Exception as exc:  # noqa: BLE001 - reported per key
            out["errors"][str(key)] = str(exc)
            continue
        if key in PROFILE_KEYS:
            out["values"][key] = None if rendered is None else str(rendered)
    return out


def _token_statements(content: str) -> int:
    count, open_statement = 0, False
    for token in sqlglot.Dialect.get_or_raise("snowflake").tokenize(content):
        if token.token_type == sqlglot.TokenType.SEMICOLON:
            count += open_statement
            open_statement = False
        else:
            open_statement = True
    return count + open_statement


def setup_sql(files: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """files: [{"path", "content", "statements": [{"sql", "line"}]}] (statements as gen deploy splits them)."""
    out = []
    for file in files:
        entry: Dict[str, Any] = {"path": file["path"], "errors": []}
        try:
            entry["sqlglot_statements"] = _token_statements(file["content"])
        except Exception as exc:  # noqa: BLE001 - a file the tokenizer cannot read
            entry["sqlglot_statements"] = None
            entry["errors"].append({"line": 1, "error": "sqlglot cannot tokenize the file: %s" % exc})
        for statement in file["statements"]:
            try:
                parsed = [e for e in sqlglot.parse(statement["sql"], read="snowflake") if e is not None]
                if len(parsed) != 1:
                    raise ValueError("sqlglot reads %d statements in it" % len(parsed))
            except Exception as exc:  # noqa: BLE001 - reported per statement
                entry["errors"].append({"line": statement["line"], "error": _ANSI.sub("", str(exc))})
        out.append(entry)
    return out
