import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { GEN_HOME, runDbt, VENVS, type WorkflowSummary } from "./dbt/index.ts";
import { DEPLOY_HELP, deployCommand } from "./deploy/index.ts";
import { ExitCode, formatDiagnostic, GenError, toJsonText, type Diagnostic } from "./errors.ts";
import { resolveScenario, startMockApi, type MockApi } from "./mockapi/index.ts";
import { compileSpec, type CompileResult } from "./pipeline.ts";
import type { Plan, Target } from "./plan/index.ts";
import { restartProject } from "./restart/index.ts";
import { syncBackfill, syncLoop, syncRetryFailed, syncRound, syncStatus } from "./sync/index.ts";
import { setupVenv, venvsToSetUp } from "./setup.ts";
import { readSpecFile } from "./spec/file.ts";
import { STARTER_SPEC } from "./spec/index.ts";
import { createTerm, type Term } from "./util/term.ts";
import { WATCH_HELP, watchCommand } from "./watch/cli.ts";
import { outputCollisions } from "./write/collisions.ts";
import {
  assertUsableOutputDir,
  checkOutput,
  keptWarnings,
  writeOutput,
  type WriteResult,
} from "./write/index.ts";

const HELP: Record<string, string> = {
  main: `gen: compile YAML workflow specs into dbt projects (DuckDB and Snowflake)

Usage: gen <command> [options]

Commands:
  build <spec...>     validate and generate the dbt project(s)
  watch [spec|dir...] rebuild on every save of a spec (optionally running a command after each rebuild)
  validate <spec...>  check specs and print every problem with file:line:col
  run <spec>          build, then run the workflows with dbt (optionally against the bundled mock API)
  init [file]         write a commented starter spec
  mock-api            serve the bundled mock policy API
  restart <spec|dir>  auto-restart: retry what the last dbt run failed (and its downstream), else a full build
  sync <spec>         upload the queued finished executions to Snowflake, with retries (once, or every interval)
  deploy <spec|dir>   apply the Snowflake setup SQL (network rule, secrets, integration, procedure, grants)
  setup               create the project-local Python venv with the pinned dbt packages

Run \`gen <command> --help\` for the options of a command.

Exit codes: 0 ok, 1 spec problems or stale output, 2 usage, 3 dbt failed, 4 deploy failed, 5 sync failed,
70 internal error.`,
  build: `Usage: gen build <spec...> [-o DIR] [--target duckdb|snowflake|all] [--check] [--force] [--json]

  -o, --out DIR   output directory (default out/<project name>; with several specs, DIR/<project name>)
  --target T      generate for duckdb, snowflake or all (default: the spec's project.targets)
  --check         write nothing; exit 1 when the output is stale or missing (for CI)
  --force         overwrite files in the output directory that gen did not write
  --json          machine-readable result on stdout`,
  validate: `Usage: gen validate <spec...> [--json]

Prints every problem of every spec as file:line:col  message  (hint). Exit 1 when there is an error.`,
  run: `Usage: gen run <spec> [-o DIR] [--mock-api] [--scenario NAME|JSON] [--mode stateful|stateless|all] [--json]

Builds the project, then runs its workflow models with dbt on the duckdb target and prints a summary
of each execution (status, steps, polls, HTTP calls, time).
  --mock-api        start the bundled mock API on 127.0.0.1 and point the spec's connections at it
  --scenario S      mock API scenario: a preset (happy, slow-ready, flaky-5xx, ...) or JSON
  --mode M          which flows to run (default all)
  --no-state        do not print the state table after the run
  --json            print the summary as JSON on stdout (dbt output goes to stderr)`,
  init: `Usage: gen init [file] [--force]

Writes a commented starter spec (default: specs/workflow.yaml).`,
  "mock-api": `Usage: gen mock-api [--port N] [--host H] [--scenario NAME|JSON]

Serves the bundled mock policy API (POST /createpolicy, GET /policy/{id}, POST /circuit, /exports...).
Admin: GET /__admin/requests, POST /__admin/scenario, POST /__admin/reset. Ctrl-C stops it.`,
  setup: `Usage: gen setup [--snowflake] [--all]

Creates the Python venvs in the gen directory, each from its pinned requirements. Always .venv/
(requirements.txt: dbt-core, dbt-duckdb, dbt-snowflake, fakesnow, sqlglot); with --snowflake also
.venv-snowflake/ (requirements/snowflake.txt: dbt exactly as dbt Projects on Snowflake runs it, which
gen deploy --check uses and otherwise makes on first use); --all also the venvs only the tests use.
A fast no-op for a venv that is already current.`,
  restart: `Usage: gen restart <spec|project-dir> [-o DIR] [--full-args ARGS] [--dry-run] [--json] [-- DBT_ARGS...]

Auto-restart for dbt Core. Reads the restart plan from DBT_RUN_LOG and DBT_MODEL_LOG (written by the
project's run hooks; no target/ folder needed) and runs it: after a failed run, a selective retry of the
failed nodes and everything downstream of them (\`build --select a+ b+\`), unless the failure is older than
max_age_hours or max_retries retries were made in a row; otherwise the full build. The spec's auto_restart
block turns this on. A spec is built first (into out/<project> or -o DIR); a directory is used as it is.
  --full-args ARGS  the full build, and the command of a retry (default "build"; e.g. "run --select tag:hourly")
  --dry-run         print the plan and the dbt command, run nothing
  --json            print {plan, args, exit_code, elapsed_ms} on stdout (dbt output goes to stderr)
  -- DBT_ARGS       passed to both dbt calls, e.g. -- --target snowflake
Exit codes: 0 the run succeeded (or --dry-run), 3 dbt failed.`,
  sync: `Usage: gen sync <spec> [-o DIR] [--once] [--status] [--backfill] [--retry-failed [ID]] [--connection NAME] [--json]

Uploads the finished executions that the project queued (the spec's sync block) to Snowflake: each state row
and its attempt rows, MERGEd by key, so a retry or a backfill never duplicates a row. A failed upload is tried
again after backoff_s (doubling), and marked failed after max_retries. Without --once it runs a round every
interval_s until Ctrl-C. The spec is built first (into out/<project> or -o DIR).
  --once             one round, then exit (5 when an upload failed)
  --status           print the queue: counts by status, the failed items, the ones waiting to retry
  --backfill         queue every finished execution that is not queued yet (then sync, with --once)
  --retry-failed ID  queue the failed items again (all of them without ID)
  --connection NAME  [NAME] of connections.toml; else SNOWFLAKE_* variables (as gen deploy)
  --json             one JSON object per round (or the status) on stdout`,
  deploy: DEPLOY_HELP,
  watch: WATCH_HELP,
};

class UsageError extends GenError {
  constructor(message: string, hint?: string) {
    super("usage", message, { exitCode: ExitCode.usage, hint });
  }
}

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

function parse<O extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  argv: string[],
  options: O,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...HELP_OPTION, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message, `see \`gen ${command} --help\``);
  }
}

export async function main(argv: string[]): Promise<number> {
  const term = createTerm();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        term.out(HELP.main ?? "");
        return command === undefined ? ExitCode.usage : ExitCode.ok;
      case "--version":
        term.out("gen 0.1.0");
        return ExitCode.ok;
      case "build":
        return await cmdBuild(rest, term);
      case "watch":
        return await watchCommand(rest, term);
      case "validate":
        return cmdValidate(rest, term);
      case "run":
        return await cmdRun(rest, term);
      case "init":
        return cmdInit(rest, term);
      case "mock-api":
        return await cmdMockApi(rest, term);
      case "setup":
        return await cmdSetup(rest, term);
      case "deploy":
        return await deployCommand(rest, term);
      case "restart":
        return await cmdRestart(rest, term);
      case "sync":
        return await cmdSync(rest, term);
      default:
        throw new UsageError(
          `unknown command "${command}"`,
          "commands: build, validate, run, watch, init, mock-api, setup, restart, sync, deploy",
        );
    }
  } catch (e) {
    if (e instanceof GenError) {
      printDiagnostics(e.diagnostics, term);
      return e.exitCode;
    }
    term.err(term.paint("error", "gen: internal error (a bug, please report it):"));
    term.err(String((e as Error)?.stack ?? e));
    return ExitCode.internal;
  }
}

function printDiagnostics(diagnostics: Diagnostic[], term: Term): void {
  for (const d of diagnostics) term.err(formatDiagnostic(d, term.paint));
}

function parseTarget(value: string | undefined): Target[] | undefined {
  if (value === undefined) return undefined;
  if (value === "all") return ["duckdb", "snowflake"];
  if (value === "duckdb" || value === "snowflake") return [value];
  throw new UsageError(`--target must be duckdb, snowflake or all, not "${value}"`);
}

interface BuiltSpec {
  specPath: string;
  outDir: string;
  /** the directory the user named (-o, else the current directory): gen follows no link below it */
  base: string;
  result: CompileResult;
}

/** Builds one spec into its project directory (as `gen build`), saying so; null when the spec has errors. */
function buildOne(spec: string, out: string | undefined, term: Term): { outDir: string; plan: Plan } | null {
  const [built] = compileAll([spec], out, undefined, term);
  if (!built?.result.plan || !built.result.files) return null;
  const w = writeOutput(built.outDir, built.result.files, { base: built.base });
  printKept(built.outDir, w, term);
  term.err(
    `${term.paint("ok", "built")} ${built.outDir} (${w.written.length} written, ${w.unchanged.length} unchanged)`,
  );
  return { outDir: built.outDir, plan: built.result.plan };
}

function compileAll(
  specs: string[],
  out: string | undefined,
  targets: Target[] | undefined,
  term: Term,
): BuiltSpec[] {
  if (specs.length === 0) throw new UsageError("no spec given", "gen build specs/policy.yaml");
  // the same file named twice is built once
  const unique = specs.filter((s, i) => specs.findIndex((t) => resolve(t) === resolve(s)) === i);
  const base = out ?? ".";
  const texts = new Map<string, string>();
  const built: BuiltSpec[] = unique.map((specPath) => {
    const text = readSpecFile(specPath);
    texts.set(specPath, text);
    const result = compileSpec(text, specPath, targets ? { targets } : {});
    const name = result.plan?.project.name ?? basename(specPath).replace(/\.ya?ml$/, "");
    const outDir = out ? (unique.length > 1 ? join(out, name) : out) : join("out", name);
    return { specPath, outDir, base, result };
  });
  for (const b of built) printDiagnostics(b.result.diagnostics, term);
  // Before anything is written: every output directory is usable and belongs to one spec only.
  const good = built.filter((b) => b.result.files && b.result.plan);
  for (const b of good) assertUsableOutputDir(b.outDir);
  const collisions = outputCollisions(
    good.map((b) => ({
      file: b.specPath,
      text: texts.get(b.specPath) ?? "",
      project: b.result.plan?.project.name ?? "",
      outDir: b.outDir,
    })),
  );
  if (collisions.length > 0)
    throw new GenError("output-collision", collisions[0]?.message ?? "", { diagnostics: collisions });
  return built;
}

/** The files the manifest named that gen did not delete, as warnings. */
function printKept(outDir: string, w: WriteResult, term: Term): void {
  printDiagnostics(keptWarnings(outDir, w.kept), term);
}

async function cmdBuild(argv: string[], term: Term): Promise<number> {
  const { values, positionals } = parse("build", argv, {
    out: { type: "string", short: "o" },
    target: { type: "string" },
    check: { type: "boolean" },
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values.help) return help("build", term);
  const started = performance.now();
  const built = compileAll(
    positionals,
    values.out as string | undefined,
    parseTarget(values.target as string | undefined),
    term,
  );
  if (built.some((b) => !b.result.files)) return ExitCode.specProblems;
  const report: Record<string, unknown>[] = [];
  let exit: number = ExitCode.ok;
  for (const b of built) {
    const files = b.result.files ?? [];
    if (values.check) {
      const check = checkOutput(b.outDir, files);
      const problems = check.stale.length + check.missing.length + check.extra.length;
      if (problems > 0) exit = ExitCode.specProblems;
      report.push({ spec: b.specPath, out: b.outDir, ...check, ok: problems === 0 });
      if (!values.json) {
        for (const p of check.stale) term.err(`${join(b.outDir, p)}  stale  (run gen build ${b.specPath})`);
        for (const p of check.missing)
          term.err(`${join(b.outDir, p)}  missing  (run gen build ${b.specPath})`);
        for (const p of check.extra)
          term.err(`${join(b.outDir, p)}  no longer generated  (run gen build ${b.specPath})`);
        if (problems === 0) term.err(term.paint("ok", `${b.outDir} is up to date (${files.length} files)`));
      }
      continue;
    }
    const w = writeOutput(b.outDir, files, { force: Boolean(values.force), base: b.base });
    printKept(b.outDir, w, term);
    report.push({
      spec: b.specPath,
      out: b.outDir,
      written: w.written,
      unchanged: w.unchanged.length,
      removed: w.removed,
      kept: w.kept,
    });
    if (!values.json)
      term.err(
        `${term.paint("ok", "built")} ${b.outDir}: ${w.written.length} written, ${w.unchanged.length} unchanged, ${w.removed.length} removed (${Math.round(performance.now() - started)} ms)`,
      );
  }
  if (values.json) term.out(toJsonText({ ok: exit === 0, results: report }));
  return exit;
}

function cmdValidate(argv: string[], term: Term): number {
  const { values, positionals } = parse("validate", argv, { json: { type: "boolean" } });
  if (values.help) return help("validate", term);
  if (positionals.length === 0) throw new UsageError("no spec given", "gen validate specs/policy.yaml");
  const all: Diagnostic[] = [];
  for (const p of positionals) {
    const { diagnostics } = compileSpec(readSpecFile(p), p);
    all.push(...diagnostics);
    if (!values.json) {
      printDiagnostics(diagnostics, term);
      if (!diagnostics.some((d) => d.severity === "error")) term.err(term.paint("ok", `${p}: valid`));
    }
  }
  const ok = !all.some((d) => d.severity === "error");
  if (values.json) term.out(toJsonText({ ok, diagnostics: all }));
  return ok ? ExitCode.ok : ExitCode.specProblems;
}

function cmdInit(argv: string[], term: Term): number {
  const { values, positionals } = parse("init", argv, { force: { type: "boolean" } });
  if (values.help) return help("init", term);
  const path = positionals[0] ?? join("specs", "workflow.yaml");
  if (existsSync(path) && !values.force)
    throw new UsageError(`${path} already exists`, "pass --force to overwrite it");
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, STARTER_SPEC);
  term.err(`${term.paint("ok", "wrote")} ${path}: next, gen build ${path}`);
  return ExitCode.ok;
}

async function cmdSetup(argv: string[], term: Term): Promise<number> {
  const { values } = parse("setup", argv, { snowflake: { type: "boolean" }, all: { type: "boolean" } });
  if (values.help) return help("setup", term);
  for (const name of venvsToSetUp({ snowflake: Boolean(values.snowflake), all: Boolean(values.all) })) {
    const dir = relative(GEN_HOME, VENVS[name].dir);
    const r = await setupVenv(name, (line) => term.err(term.paint("dim", line)));
    term.err(
      r.created
        ? `${term.paint("ok", "venv ready")} (${dir}, ${Math.round(r.ms / 1000)} s)`
        : `venv already current (${dir})`,
    );
  }
  return ExitCode.ok;
}

async function cmdMockApi(argv: string[], term: Term): Promise<number> {
  const { values } = parse("mock-api", argv, {
    port: { type: "string" },
    host: { type: "string" },
    scenario: { type: "string" },
  });
  if (values.help) return help("mock-api", term);
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const api = await startMockApi({
    port,
    host: (values.host as string | undefined) ?? "127.0.0.1",
    scenario: values.scenario ? scenarioOrUsage(values.scenario as string) : {},
    log: (line) => term.err(line),
  });
  term.err(`mock policy API on ${api.url} (Ctrl-C to stop)`);
  await new Promise<void>((done) => {
    const stop = () => void api.close().then(done);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return ExitCode.ok;
}

function scenarioOrUsage(text: string) {
  try {
    return resolveScenario(text);
  } catch (e) {
    throw new UsageError(`--scenario: ${(e as Error).message}`);
  }
}

async function cmdRun(argv: string[], term: Term): Promise<number> {
  const { values, positionals } = parse("run", argv, {
    out: { type: "string", short: "o" },
    "mock-api": { type: "boolean" },
    scenario: { type: "string" },
    mode: { type: "string" },
    json: { type: "boolean" },
    "no-state": { type: "boolean" },
  });
  if (values.help) return help("run", term);
  if (positionals.length !== 1)
    throw new UsageError("gen run takes exactly one spec", "gen run specs/policy.yaml --mock-api");
  const mode = (values.mode as string | undefined) ?? "all";
  if (!["stateful", "stateless", "all"].includes(mode))
    throw new UsageError(`--mode must be stateful, stateless or all`);
  // progress goes to stderr in both modes; with --json, stdout carries only the summary
  const started = performance.now();
  const built = buildOne(positionals[0] as string, values.out as string | undefined, term);
  if (!built) return ExitCode.specProblems;
  const plan = built.plan;

  const env: NodeJS.ProcessEnv = {};
  let api: MockApi | undefined;
  try {
    if (values["mock-api"]) {
      api = await startMockApi({
        port: 0,
        scenario: values.scenario ? scenarioOrUsage(values.scenario as string) : {},
      });
      // Point every env var that feeds a connection URL at the mock.
      for (const v of plan.project.envVars) env[v.name] = api.url;
      // Demo secrets: a generated token the mock then requires, so the Authorization header is exercised.
      const token = `demo-${Math.random().toString(36).slice(2)}`;
      for (const s of plan.project.secrets) if (!process.env[s]) env[s] = token;
      if (plan.project.secrets.length === 1 && !process.env[plan.project.secrets[0] ?? ""])
        api.setScenario({ requireToken: token });
      term.err(`mock API on ${api.url}${values.scenario ? ` (scenario ${values.scenario})` : ""}`);
    }
    const selectors = plan.workflows.flatMap((wf) => [
      ...(wf.stateful && mode !== "stateless" ? [wf.names.statefulModel + "+"] : []),
      ...(wf.stateless && mode !== "stateful" ? [wf.names.statelessModel] : []),
    ]);
    term.err(term.paint("bold", `dbt run --select ${selectors.join(" ")}`));
    const dbt = await runDbt(built.outDir, ["run", "--select", ...selectors], {
      env,
      color: term.color,
      onLine: term.err,
    });
    if (!values.json && !values["no-state"])
      for (const wf of plan.workflows.filter((w) => w.stateful && mode !== "stateless")) {
        term.err(term.paint("bold", `\n${wf.definition.state.table} (latest executions)`));
        await runDbt(
          built.outDir,
          ["--quiet", "run-operation", wf.names.getStateOperation, "--args", "{limit: 5}"],
          {
            env,
            color: term.color,
            onLine: term.err,
          },
        );
      }
    const wallMs = Math.round(performance.now() - started);
    const summary = {
      ok: dbt.exitCode === 0,
      out: built.outDir,
      wall_ms: wallMs,
      dbt_ms: dbt.elapsedMs,
      http_requests_served: api ? api.requests().length : null,
      executions: dbt.summaries,
    };
    if (values.json) term.out(toJsonText(summary));
    else printSummary(summary, term);
    return dbt.exitCode === 0 ? ExitCode.ok : ExitCode.dbtFailed;
  } finally {
    await api?.close();
  }
}

async function cmdRestart(argv: string[], term: Term): Promise<number> {
  const dashes = argv.indexOf("--");
  const own = dashes < 0 ? argv : argv.slice(0, dashes);
  const dbtArgs = dashes < 0 ? [] : argv.slice(dashes + 1);
  const { values, positionals } = parse("restart", own, {
    out: { type: "string", short: "o" },
    "full-args": { type: "string" },
    "dry-run": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values.help) return help("restart", term);
  if (positionals.length !== 1)
    throw new UsageError(
      "gen restart takes exactly one spec or project directory",
      "gen restart out/policy_workflows",
    );
  const input = positionals[0] as string;
  let projectDir = input;
  if (!existsSync(join(input, "dbt_project.yml"))) {
    const built = buildOne(input, values.out as string | undefined, term);
    if (!built) return ExitCode.specProblems;
    projectDir = built.outDir;
  }
  const result = await restartProject(projectDir, {
    fullArgs: values["full-args"] as string | undefined,
    dbtArgs,
    dryRun: Boolean(values["dry-run"]),
    color: term.color,
    onLine: term.err,
    onPlan: (plan, args) => {
      const what =
        plan.decision === "SELECTIVE RETRY"
          ? term.paint("warning", `selective retry ${plan.retry_sequence} of ${plan.max_retries}`)
          : term.paint("ok", "full build");
      term.err(`${term.paint("bold", "restart plan:")} ${what}: ${plan.reason}`);
      term.err(term.paint("bold", `dbt ${args.join(" ")}`));
    },
  });
  const exitCode = result.run ? result.run.exitCode : 0;
  if (values.json)
    term.out(
      toJsonText({
        plan: result.plan,
        args: result.args,
        exit_code: result.run ? exitCode : null,
        elapsed_ms: result.run?.elapsedMs ?? null,
      }),
    );
  return exitCode === 0 ? ExitCode.ok : ExitCode.dbtFailed;
}

async function cmdSync(argv: string[], term: Term): Promise<number> {
  const retryIndex = argv.indexOf("--retry-failed");
  // --retry-failed takes an optional ID: the next argument, when it is not an option or the spec
  const retryId =
    retryIndex >= 0 &&
    argv[retryIndex + 1] &&
    !argv[retryIndex + 1]!.startsWith("-") &&
    !/\.ya?ml$/.test(argv[retryIndex + 1]!)
      ? argv[retryIndex + 1]
      : undefined;
  const own = retryId ? argv.filter((_, i) => i !== retryIndex + 1) : argv;
  const { values, positionals } = parse("sync", own, {
    out: { type: "string", short: "o" },
    once: { type: "boolean" },
    status: { type: "boolean" },
    backfill: { type: "boolean" },
    "retry-failed": { type: "boolean" },
    connection: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) return help("sync", term);
  if (positionals.length !== 1)
    throw new UsageError("gen sync takes exactly one spec", "gen sync specs/policy.yaml --once");
  const built = buildOne(positionals[0] as string, values.out as string | undefined, term);
  if (!built) return ExitCode.specProblems;
  const plan = built.plan.project.sync;
  if (!plan)
    throw new UsageError(
      `${positionals[0]} has no sync block`,
      "add one: sync: { schema: DATABASE.SCHEMA } (seed 004), then gen sync again",
    );
  const dir = built.outDir;
  const connection = values.connection as string | undefined;
  const time = () => term.paint("dim", new Date().toTimeString().slice(0, 8));

  if (values["retry-failed"]) {
    await syncRetryFailed(dir, retryId);
    term.err(`${time()} ${retryId ? `${retryId} is` : "the failed items are"} queued again`);
  }
  if (values.backfill) {
    const queued = await syncBackfill(dir);
    term.err(`${time()} backfill: ${queued.length} finished execution(s) queued`);
  }
  if (values.status) {
    const s = await syncStatus(dir);
    if (values.json) term.out(toJsonText(s));
    else {
      const c = s.counts;
      term.err(
        `sync queue of ${dir}: ${c.pending} pending, ${c.processing} processing, ${c.completed} completed, ${c.failed} failed`,
      );
      for (const f of s.failed)
        term.err(
          `  ${term.paint("error", "failed")} ${f.execution_id} (${f.workflow}) after ${f.retry_count} tries: ${f.error_message}`,
        );
      for (const w of s.retrying)
        term.err(
          `  ${term.paint("warning", "retrying")} ${w.execution_id} at ${w.next_attempt_at} (try ${w.retry_count + 1}): ${w.error_message}`,
        );
    }
    return ExitCode.ok;
  }
  if ((values["retry-failed"] || values.backfill) && !values.once) return ExitCode.ok;

  const round = async (): Promise<number> => {
    const r = await syncRound(dir, plan, { connection });
    if (values.json) term.out(toJsonText(r, 0));
    else if (r.claimed === 0) term.err(`${time()} sync: nothing to upload`);
    else {
      term.err(
        `${time()} sync: ${r.claimed} claimed, ${term.paint("ok", `${r.synced} synced`)}, ${r.failed ? term.paint("error", `${r.failed} failed`) : "0 failed"} (${Math.round(r.ms)} ms)`,
      );
      for (const i of r.items.filter((x) => !x.ok))
        term.err(`  ${i.execution_id}: ${i.error} (try ${i.retry_count + 1} of ${plan.max_retries})`);
    }
    return r.failed > 0 ? ExitCode.syncFailed : ExitCode.ok;
  };
  if (values.once) return round();
  term.err(`syncing ${dir} to Snowflake every ${plan.interval_s} s (Ctrl-C to stop)`);
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  await syncLoop(
    plan.interval_s,
    async () => {
      try {
        await round();
      } catch (e) {
        // a round that cannot run (dbt busy, database locked) is tried again at the next interval
        if (!(e instanceof GenError) || e.exitCode === ExitCode.usage) throw e;
        printDiagnostics(e.diagnostics, term);
      }
    },
    stop.signal,
  );
  term.err("stopped syncing");
  return ExitCode.ok;
}

function printSummary(
  s: {
    ok: boolean;
    wall_ms: number;
    dbt_ms: number;
    http_requests_served: number | null;
    executions: WorkflowSummary[];
  },
  term: Term,
): void {
  term.err("");
  term.err(term.paint("bold", "Executions"));
  for (const e of s.executions) {
    const status = e.ok ? term.paint("ok", e.status) : term.paint("error", e.status);
    term.err(
      `  ${e.workflow} (${e.mode}) ${e.execution_id}: ${status}, ${e.ok ? e.steps_total : "?"}/${e.steps_total} steps, ${e.polls} polls, ${e.http_calls} HTTP calls (${e.http_attempts} attempts), ${(e.elapsed_ms / 1000).toFixed(1)} s${e.resumed ? ", resumed" : ""}`,
    );
    if (e.error) term.err(`    ${term.paint("error", e.error)}`);
  }
  term.err(
    `${s.ok ? term.paint("ok", "ok") : term.paint("error", "dbt failed")}: wall ${(s.wall_ms / 1000).toFixed(1)} s, dbt ${(s.dbt_ms / 1000).toFixed(1)} s` +
      (s.http_requests_served !== null
        ? `, ${s.http_requests_served} HTTP requests served by the mock API`
        : ""),
  );
}

function help(command: string, term: Term): number {
  term.out(HELP[command] ?? HELP.main ?? "");
  return ExitCode.ok;
}
