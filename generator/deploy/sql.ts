/**
 * Splits Snowflake setup SQL into statements, the way Snowflake reads them: `;` ends a statement except
 * inside '...' strings (backslash escapes, '' doubles a quote), "..." identifiers, $$ ... $$ bodies and
 * comments (`--`, `//`, `/* *\/`). Pure, no I/O.
 */

export interface SqlStatement {
  /** the statement without the comments before it and without the final `;` */
  sql: string;
  /** file the statement comes from, as given */
  file: string;
  /** 1-based line of the statement's first character in that file */
  line: number;
}

export class SqlSplitError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

type State = "code" | "single" | "double" | "dollar" | "line-comment" | "block-comment";

export function splitStatements(text: string, file: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let state: State = "code";
  let line = 1;
  let stateLine = 1;
  /** start offset and line of the current statement's first non-comment character, if any */
  let start = -1;
  let startLine = 0;
  const begin = (i: number) => {
    if (start < 0) {
      start = i;
      startLine = line;
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const next = text[i + 1];
    switch (state) {
      case "code":
        if (c === "-" && next === "-") {
          state = "line-comment";
          i++;
        } else if (c === "/" && next === "/") {
          state = "line-comment";
          i++;
        } else if (c === "/" && next === "*") {
          state = "block-comment";
          stateLine = line;
          i++;
        } else if (c === "'") {
          begin(i);
          state = "single";
          stateLine = line;
        } else if (c === '"') {
          begin(i);
          state = "double";
          stateLine = line;
        } else if (c === "$" && next === "$") {
          begin(i);
          state = "dollar";
          stateLine = line;
          i++;
        } else if (c === ";") {
          if (start >= 0) out.push({ sql: text.slice(start, i).trimEnd(), file, line: startLine });
          start = -1;
        } else if (!/\s/.test(c)) {
          begin(i);
        }
        break;
      case "single":
        if (c === "\\") {
          if (next === "\n") line++;
          i++;
        } else if (c === "'" && next === "'") i++;
        else if (c === "'") state = "code";
        break;
      case "double":
        if (c === '"' && next === '"') i++;
        else if (c === '"') state = "code";
        break;
      case "dollar":
        if (c === "$" && next === "$") {
          state = "code";
          i++;
        }
        break;
      case "line-comment":
        if (c === "\n") state = "code";
        break;
      case "block-comment":
        if (c === "*" && next === "/") {
          state = "code";
          i++;
        }
        break;
    }
    if (c === "\n") line++;
  }
  const unterminated: Partial<Record<State, string>> = {
    single: "unterminated '...' string",
    double: 'unterminated "..." identifier',
    dollar: "unterminated $$ ... $$ body",
    "block-comment": "unterminated /* comment",
  };
  const problem = unterminated[state];
  if (problem) throw new SqlSplitError(problem, file, stateLine);
  if (start >= 0) {
    const rest = text.slice(start).trimEnd();
    if (rest) out.push({ sql: rest, file, line: startLine });
  }
  return out;
}

/** The first line of a statement, shortened: how progress lines and errors name it. */
export function statementLabel(sql: string, max = 100): string {
  const first = (sql.split("\n")[0] ?? "").trim();
  const more = sql.includes("\n") ? " ..." : "";
  return first.length > max ? first.slice(0, max - 3) + "..." : first + more;
}
