/** Exit codes, documented in README.md. */
export const ExitCode = {
  ok: 0,
  specProblems: 1,
  usage: 2,
  dbtFailed: 3,
  deployFailed: 4,
  /** gen sync: an execution could not be uploaded this round (it is retried later) */
  syncFailed: 5,
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each exit code means, as `gen --help` lists them. */
export const EXIT_CODE_MEANINGS: Record<ExitCode, string> = {
  [ExitCode.ok]: "ok",
  [ExitCode.specProblems]: "spec problems or stale output",
  [ExitCode.usage]: "usage",
  [ExitCode.dbtFailed]: "dbt failed",
  [ExitCode.deployFailed]: "deploy failed",
  [ExitCode.syncFailed]: "sync failed",
  [ExitCode.internal]: "internal error",
};

export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
}

export interface Diagnostic {
  severity: "error" | "warning";
  /** stable, machine-readable code such as `unknown-connection` */
  code: string;
  message: string;
  hint?: string;
  location?: SourceLocation;
  /** JSON path of the offending value, e.g. `workflows[0].steps[1].request.connection` */
  path?: string;
}

/**
 * A user-facing error: printed as a diagnostic, never as a stack trace.
 * Anything thrown that is not a GenError is a bug and prints as an internal error.
 */
export class GenError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly diagnostics: Diagnostic[];

  constructor(
    code: string,
    message: string,
    options: {
      exitCode?: ExitCode;
      diagnostics?: Diagnostic[];
      hint?: string;
      location?: SourceLocation;
    } = {},
  ) {
    super(message);
    this.name = "GenError";
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.specProblems;
    this.diagnostics = options.diagnostics ?? [
      { severity: "error", code, message, hint: options.hint, location: options.location },
    ];
  }
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${showControlCharacters(loc.file)}:${loc.line}:${loc.col}` : "";
}

/**
 * Characters a terminal would act on rather than show (ESC and CSI start colour and cursor
 * sequences; bidirectional overrides reorder the text; CR and line separators rewrite the line),
 * and lone surrogates.
 */
const UNSHOWABLE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be shown as escapes
  /[\x00-\x08\x0B-\x1F\x7F-\x9F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `s` with every character a terminal would act on written as an escape (`\x1b`, `\u202e`), so a
 * spec value quoted in a diagnostic prints as the text it is. Tab and line feed are kept.
 */
export function showControlCharacters(s: string): string {
  return s.replace(UNSHOWABLE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * JSON for the terminal: JSON.stringify leaves DEL, C1 controls and the characters above raw inside
 * strings; written as \u escapes the text is the same JSON, and harmless to print.
 */
export function toJsonText(value: unknown, indent: number = 2): string {
  return JSON.stringify(value, null, indent).replace(
    UNSHOWABLE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `file:line:col  message  (hint)`, the format every diagnostic prints in. */
export function formatDiagnostic(
  d: Diagnostic,
  color: (kind: "loc" | "error" | "warning" | "hint", s: string) => string = (_k, s) => s,
): string {
  const parts: string[] = [];
  if (d.location) parts.push(color("loc", formatLocation(d.location)));
  parts.push(
    color(d.severity, `${d.severity === "warning" ? "warning: " : ""}${showControlCharacters(d.message)}`),
  );
  let line = parts.join("  ");
  if (d.hint) line += "  " + color("hint", `(${showControlCharacters(d.hint)})`);
  return line;
}
