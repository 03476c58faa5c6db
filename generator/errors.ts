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
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : "";
}

/** `file:line:col  message  (hint)`, the format every diagnostic prints in. */
export function formatDiagnostic(
  d: Diagnostic,
  color: (kind: "loc" | "error" | "warning" | "hint", s: string) => string = (_k, s) => s,
): string {
  const parts: string[] = [];
  if (d.location) parts.push(color("loc", formatLocation(d.location)));
  parts.push(color(d.severity, `${d.severity === "warning" ? "warning: " : ""}${d.message}`));
  let line = parts.join("  ");
  if (d.hint) line += "  " + color("hint", `(${d.hint})`);
  return line;
}
