/** `gen watch`: argv -> startWatch, then wait for Ctrl-C or SIGTERM and exit 0. */
import { parseArgs } from "node:util";
import { ExitCode, GenError } from "../errors.ts";
import type { Target } from "../plan/index.ts";
import type { Term } from "../util/term.ts";
import { startWatch } from "./index.ts";

export const WATCH_HELP = `Usage: gen watch [SPEC|DIR ...] [-o DIR] [--target duckdb|snowflake|all] [--exec "CMD"] [--force] [--debounce MS]

Builds, then rebuilds on every save of a spec (default: the specs/ directory; in a directory every
*.yaml / *.yml with a top-level version, project or workflows key is a spec). Only files whose content
changed are written, so unchanged files keep their mtime and dbt's partial parsing stays warm. One line
per rebuild: files written, unchanged and removed, and the time it took.
A save with errors prints them and leaves the output as it was; the next good save rebuilds. A deleted
spec removes the files generated for it; a removed workflow removes its files. Files you added to the
output directory are never overwritten or deleted. The output directories are not watched.

  -o, --out DIR   output directory (one spec file: its project directory, default out/<project name>;
                  otherwise DIR/<project name>, default out/<project name>)
  --target T      generate for duckdb, snowflake or all (default: each spec's project.targets)
  --exec CMD      shell command to run after the first build and after every rebuild that changed files,
                  for example "dbt build -s stateful_policy_execution"; a newer rebuild cancels a run still
                  in progress. It runs in the output directory when there is one project (else in the
                  current directory), with gen's .venv/bin first on PATH.
  --force         overwrite files in the output directory that gen did not write
  --debounce MS   quiet time after the last file event before rebuilding (default 20)
Ctrl-C stops watching (exit 0).`;

export async function watchCommand(argv: string[], term: Term): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        out: { type: "string", short: "o" },
        target: { type: "string" },
        exec: { type: "string" },
        force: { type: "boolean" },
        debounce: { type: "string" },
      },
    });
  } catch (e) {
    throw new GenError("usage", (e as Error).message, {
      exitCode: ExitCode.usage,
      hint: "see `gen watch --help`",
    });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    term.out(WATCH_HELP);
    return ExitCode.ok;
  }
  const debounceMs = values.debounce === undefined ? undefined : Number(values.debounce);
  if (debounceMs !== undefined && !(debounceMs >= 0))
    throw new GenError("usage", `--debounce must be a number of milliseconds`, { exitCode: ExitCode.usage });
  // Signal handlers first: Ctrl-C during the initial build still closes everything cleanly.
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((done) => (stop = done));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const watcher = await startWatch({
      inputs: positionals,
      out: values.out,
      targets: parseTargets(values.target),
      exec: values.exec,
      force: Boolean(values.force),
      debounceMs,
      log: (line) => term.err(line),
      paint: term.paint,
    });
    term.err(term.paint("dim", "watching for changes (Ctrl-C to stop)"));
    await stopped;
    await watcher.close();
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  term.err("stopped watching");
  return ExitCode.ok;
}

function parseTargets(value: string | undefined): Target[] | undefined {
  if (value === undefined) return undefined;
  if (value === "all") return ["duckdb", "snowflake"];
  if (value === "duckdb" || value === "snowflake") return [value];
  throw new GenError("usage", `--target must be duckdb, snowflake or all, not "${value}"`, {
    exitCode: ExitCode.usage,
  });
}
