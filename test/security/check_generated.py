"""Checks generated files with the parsers that consume them.

    python check_generated.py FILES_JSON

FILES_JSON is a list of {"id", "path", "content"}. Prints a JSON list, one entry per file:
{"id", "path", "checks": [...], "errors": [...], "statements": n (setup SQL only)}.

- snowflake/*.sql: sqlglot, Snowflake dialect; "statements" counts the statements it reads.
- *.yml: PyYAML safe_load.
- every file dbt renders (models/, macros/, tests/, dbt_project.yml, profiles.yml, schema.yml): parsed by
  dbt's own Jinja environment (dbt_common), which knows materialization, test and docs blocks.
- *.py, and the Python body of the HTTP procedure: ast.parse.
"""
import ast
import json
import logging
import re
import sys

import jinja2.nodes
import sqlglot
import yaml
from dbt_common.clients.jinja import get_environment

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # the "falling back to Command" warnings

JINJA = get_environment()
LITERAL_NODES = (jinja2.nodes.Const, jinja2.nodes.TemplateData, jinja2.nodes.Dict, jinja2.nodes.Pair,
                 jinja2.nodes.List, jinja2.nodes.Tuple)
DBT_RENDERED = re.compile(r"^(models|macros|tests)/|^(dbt_project|profiles)\.yml$")
# the body of the first procedure in the file (other statements, e.g. grants and tasks, may follow it)
PROCEDURE_BODY = re.compile(r"\nAS\n\$\$\n(.*?)\n\$\$;", re.S)


def split_by_tokens(content):
    """The text of each statement, cut at the tokenizer's semicolons."""
    tokens = sqlglot.Dialect.get_or_raise("snowflake").tokenize(content)
    out, start = [], None
    for token in tokens:
        if token.token_type == sqlglot.TokenType.SEMICOLON:
            if start is not None:
                out.append(content[start : token.start])
            start = None
        elif start is None:
            start = token.start
    if start is not None:
        out.append(content[start:])
    return out


def check(path, content):
    checks, errors, out = [], [], {}

    def run(name, fn):
        checks.append(name)
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - reported per file
            errors.append("%s: %s: %s" % (name, type(exc).__name__, str(exc)[:300]))

    if path.startswith("snowflake/") and path.endswith(".sql"):

        def glot():
            # Statements as sqlglot's Snowflake tokenizer reads the file (strings with their escapes, $$
            # bodies, comments): runs of tokens between semicolons. Its parser cannot be asked per file: it
            # reads a CREATE PROCEDURE ... AS $$...$$ and everything after it as one statement.
            heads, current = [], []
            for token in sqlglot.Dialect.get_or_raise("snowflake").tokenize(content):
                if token.token_type == sqlglot.TokenType.SEMICOLON:
                    if current:
                        heads.append(" ".join(current[:3]).upper())
                    current = []
                else:
                    current.append(token.text)
            if current:
                heads.append(" ".join(current[:3]).upper())
            out["statements"] = len(heads)
            out["heads"] = heads
            # and each statement parses on its own as exactly one
            for sql in split_by_tokens(content):
                parsed = [e for e in sqlglot.parse(sql, read="snowflake") if e is not None]
                if len(parsed) != 1:
                    raise ValueError("%d statements in %r" % (len(parsed), sql[:80]))

        run("sqlglot", glot)
        body = PROCEDURE_BODY.search(content)
        if "LANGUAGE PYTHON" in content:
            run("python-body", lambda: ast.parse(body.group(1) if body else "<no $$ body>"))
    if path.endswith((".yml", ".yaml")):
        run("yaml", lambda: yaml.safe_load(content))
    if DBT_RENDERED.search(path):
        def jinja():
            # what dbt would execute: every node but literals (constants and the dicts, lists and tuples built of
            # them) and plain text. Escaped spec text is a literal, so this shape is the same for any value; an
            # injected {{ call() }} would add Output, Call and Name nodes.
            tree = JINJA.parse(content)
            shape = {}
            for node in tree.find_all(jinja2.nodes.Node):
                if not isinstance(node, LITERAL_NODES):
                    shape[type(node).__name__] = shape.get(type(node).__name__, 0) + 1
            out["jinja_shape"] = shape
        run("jinja", jinja)
    if path.endswith(".py"):
        run("python", lambda: ast.parse(content))
    return checks, errors, out


def main():
    files = json.load(open(sys.argv[1], encoding="utf-8"))
    results = []
    for f in files:
        checks, errors, out = check(f["path"], f["content"])
        results.append(dict(id=f["id"], path=f["path"], checks=checks, errors=errors, **out))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
