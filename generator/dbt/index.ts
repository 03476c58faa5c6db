import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { ExitCode, GenError } from "../errors.ts";

/** The gen installation directory: its .venv is where `npm run setup` puts dbt. */
export const GEN_HOME = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The project-local Python venvs, each from its own pinned requirements file (`gen setup` makes them).
 * duckdb: the dbt gen runs locally (dbt-duckdb, fakesnow, sqlglot). snowflake: dbt exactly as dbt Projects on
 * Snowflake runs it (the version gen pins on the project object). dbt_1_9_4: Snowflake's default dbt version,
 * which the generated project refuses clearly (tests only).
 * `made`: when `gen setup` makes it.
 */
export const VENVS = {
  duckdb: { dir: join(GEN_HOME, ".venv"), requirements: join(GEN_HOME, "requirements.txt"), made: "always" },
  snowflake: {
    dir: join(GEN_HOME, ".venv-snowflake"),
    requirements: join(GEN_HOME, "requirements", "snowflake.txt"),
    made: "with --snowflake, or on first use",
  },
  dbt_1_9_4: {
    dir: join(GEN_HOME, ".venv-dbt-1.9.4"),
    requirements: join(GEN_HOME, "requirements", "dbt-1.9.4.txt"),
    made: "with --all",
  },
} as const;
export type VenvName = keyof typeof VENVS;

export const VENV_DIR = VENVS.duckdb.dir;

/** dbt from GEN_DBT, else the project-local venv, else PATH. */
export function findDbt(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GEN_DBT) {
    if (!existsSync(env.GEN_DBT))
      throw new GenError("dbt-not-found", `GEN_DBT points to ${env.GEN_DBT}, which does not exist`, {
        exitCode: ExitCode.usage,
      });
    return env.GEN_DBT;
  }
  const local = join(VENV_DIR, "bin", "dbt");
  if (existsSync(local)) return local;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "dbt");
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new GenError("dbt-not-found", "dbt was not found (no GEN_DBT, no .venv/bin/dbt, none on PATH)", {
    exitCode: ExitCode.usage,
    hint: "run `npm run setup` to create the project-local venv with the pinned dbt packages",
  });
}

export interface WorkflowSummary {
  workflow: string;
  mode: string;
  execution_id: string;
  ok: boolean;
  status: string;
  error: string | null;
  resumed: boolean;
  steps_total: number;
  http_calls: number;
  http_attempts: number;
  polls: number;
  elapsed_ms: number;
}

export interface DbtRunResult {
  exitCode: number;
  elapsedMs: number;
  summaries: WorkflowSummary[];
  output: string;
}

const SUMMARY_MARK = "gen-summary ";
/** the var that makes the runtime print its `gen-summary {...}` lines: gen passes it, a plain `dbt run` does not */
export const SUMMARY_VAR = "gen_summary";
/** the dbt commands that can run a workflow: its models, or its run_<workflow> operation */
const MODEL_COMMANDS = new Set(["run", "build", "run-operation"]);

/**
 * args with `--vars` asking for the summary lines, when they can run a workflow: added to the --vars already there
 * (dbt takes one --vars, a YAML mapping), or as a --vars of its own.
 */
export function withSummaryVar(args: string[]): string[] {
  const command = args.find((a) => !a.startsWith("-"));
  if (!command || !MODEL_COMMANDS.has(command)) return args;
  const at = args.findIndex((a) => a === "--vars" || a.startsWith("--vars="));
  if (at < 0) return [...args, "--vars", JSON.stringify({ [SUMMARY_VAR]: true })];
  const inline = args[at]?.startsWith("--vars=");
  const text = inline ? (args[at] as string).slice("--vars=".length) : (args[at + 1] ?? "");
  let given: unknown;
  try {
    given = yaml.load(text);
  } catch {
    return args; // dbt reports the malformed --vars itself
  }
  if (given !== undefined && given !== null && (typeof given !== "object" || Array.isArray(given)))
    return args;
  const merged = JSON.stringify({ ...(given as object | null), [SUMMARY_VAR]: true });
  return inline
    ? [...args.slice(0, at), `--vars=${merged}`, ...args.slice(at + 1)]
    : [...args.slice(0, at + 1), merged, ...args.slice(at + 2)];
}

/**
 * Runs dbt in the generated project (cwd = project dir, so that the duckdb path and the plugin path resolve),
 * streaming each line to onLine, and collecting the workflow summaries the runtime logs.
 */
export async function runDbt(
  projectDir: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    onLine?: (line: string) => void;
    dbt?: string;
    /** aborting kills dbt (SIGTERM, or SIGKILL when hardKill: used to test resume after a crash) */
    signal?: AbortSignal;
    hardKill?: boolean;
    /** colour in dbt's output (default: only when NO_COLOR is unset and stderr is a terminal) */
    color?: boolean;
  } = {},
): Promise<DbtRunResult> {
  const dbt = options.dbt ?? findDbt({ ...process.env, ...options.env });
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, DBT_SEND_ANONYMOUS_USAGE_STATS: "false" };
  const color = options.color ?? (env.NO_COLOR === undefined && Boolean(process.stderr.isTTY));
  if (!color) env.DBT_USE_COLORS = "false";
  // loaded here, not at the top: importing execa costs ~0.2 s that `gen build` should not pay
  const { execa } = await import("execa");
  const child = execa(dbt, [...withSummaryVar(args), "--project-dir", ".", "--profiles-dir", "."], {
    cwd: projectDir,
    env,
    reject: false,
    all: true,
    stdin: "ignore",
    buffer: false,
    ...(options.signal
      ? { cancelSignal: options.signal, killSignal: options.hardKill ? "SIGKILL" : "SIGTERM" }
      : {}),
  });
  const summaries: WorkflowSummary[] = [];
  let pending = "";
  let output = "";
  child.all?.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    output += text;
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const at = line.indexOf(SUMMARY_MARK);
      if (at >= 0) {
        try {
          summaries.push(JSON.parse(line.slice(at + SUMMARY_MARK.length)) as WorkflowSummary);
        } catch {
          // a truncated line is only a missing summary row, the run result stands
        }
        continue;
      }
      options.onLine?.(line);
    }
  });
  const result = await child;
  if (pending) options.onLine?.(pending);
  return { exitCode: result.exitCode ?? 1, elapsedMs: Date.now() - started, summaries, output };
}

/** The JSON of the first line `<mark> {...}` in dbt's output: how gen's operations hand results to the CLI. */
export function markedJson<T>(output: string, mark: string): T | null {
  for (const line of output.split("\n")) {
    const at = line.indexOf(mark + " ");
    if (at >= 0) return JSON.parse(line.slice(at + mark.length + 1)) as T;
  }
  return null;
}

export interface OperationOptions {
  /** the operation's arguments (`--args`, as JSON) */
  args?: object;
  /** the mark of the line whose JSON is the result; without one the result is null */
  mark?: string;
  /** extra dbt arguments, e.g. --target snowflake */
  dbtArgs?: string[];
  env?: NodeJS.ProcessEnv;
  color?: boolean;
  /** the spec block that generates the macro, for the hint when the project has none */
  block: { name: string; example: string };
}

/**
 * `dbt run-operation MACRO` in a generated project, returning the JSON of its `mark` line. A project without
 * the macro is a usage error that names the spec block to add; any other failure is a dbt failure.
 */
export async function runOperation<T>(
  projectDir: string,
  macro: string,
  options: OperationOptions,
): Promise<T | null> {
  const args = options.args ? ["--args", JSON.stringify(options.args)] : [];
  const r = await runDbt(projectDir, ["run-operation", macro, ...args, ...(options.dbtArgs ?? [])], {
    env: options.env,
    color: options.color,
  });
  if (r.exitCode === 0) {
    if (!options.mark) return null;
    const result = markedJson<T>(r.output, options.mark);
    if (result !== null) return result;
  }
  if (new RegExp(`could not find a macro with the name ["']${macro}["']`, "i").test(r.output))
    throw new GenError(
      "no-operation",
      `${projectDir} has no ${macro} operation (no ${options.block.name} block in its spec)`,
      {
        exitCode: ExitCode.usage,
        hint: `add the ${options.block.name} block to the spec and rebuild: ${options.block.example}`,
      },
    );
  throw new GenError(
    "operation-failed",
    `dbt run-operation ${macro} ${r.exitCode === 0 ? `printed no ${options.mark} line` : "failed"} in ${projectDir}:\n` +
      r.output.trim().split("\n").slice(-15).join("\n"),
    {
      exitCode: ExitCode.dbtFailed,
      hint: "check the dbt profile and that the project's database is reachable (and not locked by a running dbt)",
    },
  );
}
