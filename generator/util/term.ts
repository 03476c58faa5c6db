/** Terminal output: colours only on a TTY and never when NO_COLOR is set (https://no-color.org). */
export interface Term {
  color: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
  paint: (kind: "loc" | "error" | "warning" | "hint" | "ok" | "dim" | "bold", s: string) => string;
}

const CODES = { loc: "1", error: "31", warning: "33", hint: "2", ok: "32", dim: "2", bold: "1" } as const;

export function createTerm(
  stream: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Term {
  const color = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== "dumb";
  return {
    color,
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
    paint: (kind, s) => (color ? `\u001b[${CODES[kind]}m${s}\u001b[0m` : s),
  };
}
