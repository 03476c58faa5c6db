/**
 * Escaping for every context a spec value can land in. Each function returns a complete literal,
 * so a template never concatenates a raw spec value into code.
 */

// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const JINJA_UNSAFE = /[\\'"{}%#\u0000-\u001f\u007f\u2028\u2029]/g;

/** A Jinja string literal whose source holds no quote, brace, percent or hash: neither Jinja nor dbt's
 * block scanner can mistake any part of it for a delimiter. Jinja decodes the \xHH escapes back. */
export function jinjaString(value: string): string {
  return (
    "'" +
    value.replace(JINJA_UNSAFE, (c) => {
      const code = c.charCodeAt(0);
      return code > 0xff
        ? "\\u" + code.toString(16).padStart(4, "0")
        : "\\x" + code.toString(16).padStart(2, "0");
    }) +
    "'"
  );
}

/** A JSON-like value as a Jinja literal (dicts, lists, strings, numbers, true/false/none), pretty-printed
 * so that closing braces never touch (`}}` would end a Jinja expression early in naive scanners). */
export function jinjaLiteral(value: unknown, indent = 0): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot render non-finite number ${value}`);
    return String(value);
  }
  if (typeof value === "string") return jinjaString(value);
  const pad = "  ".repeat(indent + 1);
  const end = "  ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[\n" + value.map((v) => pad + jinjaLiteral(v, indent + 1)).join(",\n") + "\n" + end + "]";
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    return (
      "{\n" +
      entries.map(([k, v]) => pad + jinjaString(k) + ": " + jinjaLiteral(v, indent + 1)).join(",\n") +
      "\n" +
      end +
      "}"
    );
  }
  throw new Error(`cannot render ${typeof value} as a Jinja literal`);
}

/** Standard SQL string literal (DuckDB): a quote is doubled, nothing else is special. */
export function sqlString(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

/** Snowflake string literal: backslash is an escape character there, so it is doubled too. */
export function snowflakeString(value: string): string {
  return "'" + value.replace(/\\/g, "\\\\").replace(/'/g, "''") + "'";
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An unquoted SQL identifier; the validator already checked it, so anything else is a bug. */
export function sqlIdentifier(value: string): string {
  if (!IDENTIFIER.test(value))
    throw new Error(`internal: ${JSON.stringify(value)} is not a valid identifier`);
  return value;
}

/** Python string literal. JSON string syntax is a subset of Python's. */
export function pythonString(value: string): string {
  return JSON.stringify(value);
}

/**
 * Body of a Snowflake `$$ ... $$` block. A body cannot escape `$$`, so a value containing it must never be
 * placed there; callers pass only generated code whose spec values went through pythonString/sqlString,
 * and this guard turns a slip into a loud error instead of broken DDL.
 */
export function dollarBody(value: string): string {
  if (value.includes("$$")) throw new Error("internal: a $$-quoted body may not contain $$");
  return value;
}

/** A YAML scalar that dbt will also render as Jinja (descriptions, project and profile values):
 * text with Jinja delimiters is wrapped in an expression that yields it literally. */
export function yamlJinjaString(value: string): string {
  if (/[{}%#]/.test(value)) return JSON.stringify("{{ " + jinjaString(value) + " }}");
  return JSON.stringify(value);
}

/** Plain YAML scalar (never rendered by Jinja). JSON strings are valid YAML double-quoted scalars. */
export function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** What Markdown, mermaid or a SQL comment may take as the end of a line. */
const LINE_BREAKS = /[\r\n\u0085\u2028\u2029]+/g;

// eslint-disable-next-line no-control-regex -- control characters are exactly what must go
const LINE_BREAKS_AND_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Text inside a `--` SQL comment, in the Snowflake setup SQL and in files dbt renders as Jinja: one line
 * (a line break would end the comment), and no `$$`, `/*`, `*\/` or Jinja tag opener, which would end a
 * $$ body, open a block comment or start a Jinja tag. Each such pair is split by a space.
 */
export function sqlComment(value: string): string {
  return value
    .replace(LINE_BREAKS_AND_CONTROLS, " ")
    .replace(/\$(?=\$)|\/(?=\*)|\*(?=\/)|\{(?=[{%#])/g, "$& ");
}

/** Text inside a mermaid sequence-diagram message or note: no line breaks, no statement separators. */
export function mermaidText(value: string): string {
  return value
    .replace(LINE_BREAKS, " ")
    .replace(/[;#<>]/g, " ")
    .replace(/`/g, "'")
    .replace(/:/g, "&#58;")
    .trim();
}

/**
 * A line of a mermaid diagram that gen generated (its spec values went through mermaidText), inside a
 * Markdown code fence: checked, not escaped, since the line is mermaid syntax.
 */
export function mermaidLine(line: string): string {
  if (/[\r\n\u2028\u2029`]/.test(line))
    throw new Error(`internal: ${JSON.stringify(line)} is not one line of a mermaid diagram`);
  return line;
}

/** Inline Markdown text (README tables and prose). */
export function markdownText(value: string): string {
  return value.replace(LINE_BREAKS, " ").replace(/([\\`*_[\]|<>])/g, "\\$1");
}
