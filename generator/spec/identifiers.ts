/**
 * Spec names become unquoted SQL identifiers (tables, columns, macros, dbt models), on
 * Snowflake and DuckDB alike, so they follow the rules common to both.
 */
import { stateColumns } from "../plan/columns.ts";

export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const IDENTIFIER_PATTERN_SOURCE = "^[A-Za-z_][A-Za-z0-9_]*$";
export const MAX_IDENTIFIER_LENGTH = 63;

/** Common reserved words of Snowflake and DuckDB (lower case). */
export const SQL_RESERVED_WORDS: ReadonlySet<string> = new Set([
  "select",
  "from",
  "where",
  "table",
  "order",
  "group",
  "by",
  "union",
  "join",
  "on",
  "as",
  "and",
  "or",
  "not",
  "null",
  "true",
  "false",
  "case",
  "when",
  "then",
  "else",
  "end",
  "create",
  "drop",
  "insert",
  "update",
  "delete",
  "into",
  "values",
  "limit",
  "having",
  "distinct",
  "all",
  "any",
  "in",
  "is",
  "like",
  "between",
  "exists",
  "with",
  "column",
  "primary",
  "references",
  "check",
  "default",
  "constraint",
  "grant",
  "revoke",
  "to",
  "of",
  "start",
  "connect",
  "current_date",
  "current_time",
  "current_timestamp",
  "qualify",
  "sample",
  "minus",
  "increment",
  "ilike",
  "regexp",
  "rlike",
  "trigger",
  "view",
  "alter",
  "set",
  "localtime",
  "localtimestamp",
  "cast",
  "try_cast",
  "lateral",
  "natural",
  "using",
  "cross",
  "full",
  "inner",
  "left",
  "right",
  "outer",
]);

/** The fixed columns of every state table, in table order: those of a workflow without outputs, flags, responses
 * or for_each, less its input column (plan/columns.ts defines them). */
export const RESERVED_STATE_COLUMNS: readonly string[] = stateColumns({
  steps: [],
  output_columns: [],
  flag_columns: [],
  response_columns: [],
  input_column: "",
  key_column: null,
})
  .map((c) => c.name)
  .filter((name) => name !== "");

export function isReservedWord(name: string): boolean {
  return SQL_RESERVED_WORDS.has(name.toLowerCase());
}

/** Why `name` is not a valid identifier ("it contains \"-\"", ...), or undefined when it is valid. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (/^[0-9]/.test(name)) return "it starts with a digit";
  const bad = [...new Set(name.match(/[^A-Za-z0-9_]/gu) ?? [])];
  if (bad.length > 0) {
    const shown = bad.slice(0, 3).map((c) => (c === " " ? "a space" : JSON.stringify(c)));
    return `it contains ${shown.join(", ")}`;
  }
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    return `it is ${name.length} characters long (at most ${MAX_IDENTIFIER_LENGTH})`;
  }
  if (isReservedWord(name)) return "it is a SQL reserved word";
  return undefined;
}

export function isValidIdentifier(name: string): boolean {
  return identifierProblem(name) === undefined;
}

/** A valid identifier close to `name`: `create-policy` -> `create_policy`, `2fa` -> `_2fa`, `order` -> `order_`. */
export function fixIdentifier(name: string): string {
  let s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9_]+/g, "_");
  // drop the underscores that only replaced leading or trailing junk
  if (/^[^A-Za-z0-9_]/.test(name)) s = s.replace(/^_+/, "");
  if (/[^A-Za-z0-9_]$/.test(name)) s = s.replace(/_+$/, "");
  if (s === "" || s === "_") s = "name";
  if (/^[0-9]/.test(s)) s = `_${s}`;
  if (s.length > MAX_IDENTIFIER_LENGTH) s = s.slice(0, MAX_IDENTIFIER_LENGTH).replace(/_+$/, "");
  if (isReservedWord(s)) s = `${s}_`;
  return s;
}

/** The rule in words, for hints. */
export const IDENTIFIER_RULE =
  "names become SQL identifiers: letters, digits and _, no leading digit, at most 63 characters, no SQL reserved word";

/** The integration name used when project.snowflake.external_access_integration is not set. */
export function defaultExternalAccessIntegration(projectName: string): string {
  return `${fixIdentifier(projectName).toUpperCase()}_ACCESS`;
}
