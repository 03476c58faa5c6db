/**
 * `gen restart`: auto-restart for dbt Core (laptops, CI). Asks the generated project's gen_restart_plan
 * operation (the same query as the gen_restart_plan view that RUN_DBT_AUTO_RESTART reads on Snowflake) what
 * the next run should be, then runs it: a selective retry of the failed nodes and everything downstream of
 * them, or a full build. Needs no target/ folder: the plan comes from DBT_RUN_LOG and DBT_MODEL_LOG.
 */
import yaml from "js-yaml";
import { markedJson, runDbt, runOperation, type DbtRunResult } from "../dbt/index.ts";

export interface RestartPlan {
  /** the command the plan is for (its full arguments) */
  restart_key: string;
  verdict: "retry" | "no_run" | "succeeded" | "unfinished" | "no_failed_node" | "too_old" | "max_retries";
  decision: "SELECTIVE RETRY" | "FULL BUILD";
  /** `a+ b+` for a retry, null for a full build */
  selector: string | null;
  retry_sequence: number;
  reason: string;
  last_run_id: string | null;
  last_command: string | null;
  last_status: string | null;
  last_run_started_at: string | null;
  max_retries: number;
  max_age_hours: number;
}

const PLAN_MARK = "gen-restart-plan";

/** The plan from the output of `dbt run-operation gen_restart_plan`, or null when there is none. */
export function parsePlanOutput(output: string): RestartPlan | null {
  const raw = markedJson<Record<string, unknown>>(output, PLAN_MARK);
  return raw ? typedPlan(raw) : null;
}

function typedPlan(raw: Record<string, unknown>): RestartPlan {
  return {
    ...(raw as unknown as RestartPlan),
    retry_sequence: Number(raw.retry_sequence ?? 0),
    max_retries: Number(raw.max_retries),
    max_age_hours: Number(raw.max_age_hours),
  };
}

/** Characters a shell word may have unquoted (Python's shlex.quote: the procedure quotes the same way). */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A dbt argument as a shell word: quoted when it needs to be, as shlex.quote does. */
export function shellQuote(word: string): string {
  if (word === "") return "''";
  return SHELL_SAFE.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** Splits dbt arguments like a POSIX shell (quotes and backslashes), as Python's shlex.split does. */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in the dbt arguments: ${text}`);
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      let part = "";
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '"\\$`'.includes(text[j + 1] as string)) j++;
        part += text[j];
      }
      if (j >= text.length) throw new Error(`unclosed " in the dbt arguments: ${text}`);
      word = (word ?? "") + part;
      i = j;
    } else if (ch === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text[++i];
    } else word = (word ?? "") + ch;
  }
  if (word !== null) words.push(word);
  return words;
}

const SELECT_FLAGS = new Set(["--select", "-s", "--models", "--model", "-m"]);

/** The parts of a dbt command a retry changes: its selection and its --vars; the rest is kept as it is. */
function parseCommand(words: string[]): {
  rest: string[];
  select: string[];
  vars: string | null;
  selector: boolean;
} {
  const rest: string[] = [];
  const select: string[] = [];
  let vars: string | null = null;
  let selector = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (SELECT_FLAGS.has(w)) {
      while (i + 1 < words.length && !(words[i + 1] as string).startsWith("-"))
        select.push(words[++i] as string);
    } else if (w === "--vars") vars = words[++i] ?? "";
    else if (w.startsWith("--vars=")) vars = w.slice("--vars=".length);
    else {
      if (w === "--selector" || w.startsWith("--selector=")) selector = true;
      rest.push(w);
    }
  }
  return { rest, select, vars, selector };
}

/** The command's --vars with gen's two added: which command a run belongs to, and which retry it is. */
function varsWith(vars: string | null, key: string, retry: number): string {
  const given: unknown = vars === null || vars.trim() === "" ? {} : yaml.load(vars);
  if (given === null || typeof given !== "object" || Array.isArray(given))
    throw new Error(`--vars of "${key}" is not a mapping of names to values`);
  return JSON.stringify({
    ...(given as Record<string, unknown>),
    gen_restart_key: key,
    gen_restart_retry: retry,
  });
}

/** The key of a command's restart plan: its words, shell-quoted, one space apart. */
export function commandKey(fullArgs: string): string {
  const words = shellSplit(fullArgs);
  return (words.length > 0 ? words : ["build"]).map(shellQuote).join(" ");
}

/**
 * The dbt arguments of the run the plan asks for. `fullArgs` is the command ("build", "run --select
 * tag:hourly --full-refresh"); a retry is that command, every flag kept, with its selection narrowed to the
 * failed nodes and their descendants that the command selects itself (`a+,tag:hourly`: dbt's intersection), so
 * it never runs more than the command would. A command with --selector cannot be narrowed: it is run again as
 * it is. Both carry the command's key in --vars, so the run log files the run under that command.
 * RUN_DBT_AUTO_RESTART does the same on Snowflake (test/unit/restart-args-cases.json holds both to it).
 */
export function argsForPlan(
  plan: Pick<RestartPlan, "decision" | "selector" | "retry_sequence">,
  fullArgs: string,
): string[] {
  const words = shellSplit(fullArgs);
  const command = parseCommand(words.length > 0 ? words : ["build"]);
  const key = commandKey(fullArgs);
  const failed = (plan.selector ?? "").split(/\s+/).filter(Boolean);
  if (plan.decision !== "SELECTIVE RETRY" || failed.length === 0 || command.selector) {
    const select = command.select.length > 0 ? ["--select", ...command.select] : [];
    return [...command.rest, ...select, "--vars", varsWith(command.vars, key, 0)];
  }
  const select =
    command.select.length === 0 ? failed : failed.flatMap((f) => command.select.map((s) => `${f},${s}`));
  return [...command.rest, "--select", ...select, "--vars", varsWith(command.vars, key, plan.retry_sequence)];
}

export interface RestartOptions {
  fullArgs?: string;
  /** extra dbt arguments for both dbt calls (e.g. --target snowflake) */
  dbtArgs?: string[];
  env?: NodeJS.ProcessEnv;
  dryRun?: boolean;
  color?: boolean;
  onLine?: (line: string) => void;
  onPlan?: (plan: RestartPlan, args: string[]) => void;
}

export interface RestartResult {
  plan: RestartPlan;
  args: string[];
  run: DbtRunResult | null;
}

/** Asks the project for its restart plan and, unless dryRun, runs what it says. */
export async function restartProject(
  projectDir: string,
  options: RestartOptions = {},
): Promise<RestartResult> {
  const extra = options.dbtArgs ?? [];
  const fullArgs = options.fullArgs ?? "build";
  const raw = await runOperation<Record<string, unknown>>(projectDir, "gen_restart_plan", {
    args: { key: commandKey(fullArgs) },
    mark: PLAN_MARK,
    dbtArgs: extra,
    env: options.env,
    color: options.color,
    block: { name: "auto_restart", example: "auto_restart: { max_retries: 3, max_age_hours: 24 }" },
  });
  const plan = typedPlan(raw as Record<string, unknown>);
  const args = [...argsForPlan(plan, fullArgs), ...extra];
  options.onPlan?.(plan, args);
  if (options.dryRun) return { plan, args, run: null };
  const run = await runDbt(projectDir, args, {
    env: options.env,
    color: options.color,
    onLine: options.onLine,
  });
  return { plan, args, run };
}
