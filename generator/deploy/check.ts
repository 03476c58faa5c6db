/**
 * `gen deploy --check`: tells, offline, whether a project will run on dbt Projects on Snowflake, and names each
 * problem with its fix. Nothing contacts Snowflake or the API: dbt runs against fakesnow, with the dbt version gen
 * pins on the project object, env_var() unavailable and the object's DEFAULT_TARGET, as EXECUTE DBT PROJECT runs it
 * (generator/snowflake/native/native_dbt.py). What Snowflake requires is in its docs:
 * https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-limitations (env_var, profiles.yml)
 * https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-schedule-project-execution (tasks)
 *
 * The checks are pure functions of what the driver reports and of the project's files; checkProject() runs them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GEN_HOME, VENVS } from "../dbt/index.ts";
import { type Diagnostic, ExitCode, formatDiagnostic, GenError, toJsonText } from "../errors.ts";
import { SNOWFLAKE_DBT_VERSION, SNOWFLAKE_DEFAULT_TARGET } from "../plan/index.ts";
import { setupVenv, venvIsCurrent } from "../setup.ts";
import type { Term } from "../util/term.ts";
import { writeOutput } from "../write/index.ts";
import { compileForSnowflake } from "./compile.ts";
import { splitStatements, SqlSplitError, statementLabel, type SqlStatement } from "./sql.ts";

/** What each check verifies, by the name --json reports it under. */
export const CHECKS = {
  "snowflake-dbt": `dbt ${SNOWFLAKE_DBT_VERSION}, as dbt Projects on Snowflake runs it (.venv-snowflake)`,
  profile: "profiles.yml: the default target's output names a role, warehouse, database and schema",
  "dbt-parse": "dbt parses the project on the default target, without env_var()",
  "dbt-compile": "dbt compiles every model on the default target (fakesnow in place of the account)",
  "setup-sql": "the setup SQL splits into the statements Snowflake reads, and each parses",
  "task-warehouse": "every task runs on a warehouse (a serverless task cannot run a dbt project)",
} as const;
export type CheckName = keyof typeof CHECKS;

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  problem?: string;
  fix?: string;
}

export interface ProjectFile {
  path: string;
  content: string;
}

const pass = (name: CheckName): CheckResult => ({ name, ok: true });
const fail = (name: CheckName, problem: string, fix: string): CheckResult => ({
  name,
  ok: false,
  problem,
  fix,
});

/** ---- what the generated files say ---- */

const DEFAULT_TARGET_IN_SQL = /\bDEFAULT_TARGET\s*=\s*'?([A-Za-z_][A-Za-z0-9_$]*)/i;
const DEFAULT_TARGET_IN_CLI = /--default-target\s+([A-Za-z_][A-Za-z0-9_$]*)/;

/**
 * The DEFAULT_TARGET a project directory names for its dbt project object (in the setup SQL, else in the
 * `snow dbt deploy` line of its README), else the output gen generates for it.
 */
export function defaultTargetOf(files: ProjectFile[]): { target: string; from: string } {
  const setup = files.filter((f) => f.path.startsWith("snowflake/"));
  const ordered = [
    ...setup.filter((f) => f.path.endsWith(".sql")),
    ...setup.filter((f) => f.path.endsWith(".md")),
  ];
  for (const re of [DEFAULT_TARGET_IN_SQL, DEFAULT_TARGET_IN_CLI])
    for (const f of ordered) {
      const m = re.exec(f.content);
      if (m) return { target: m[1] as string, from: f.path };
    }
  return { target: SNOWFLAKE_DEFAULT_TARGET, from: "gen's default" };
}

const DBT_VERSION_IN_SQL = /\bDBT_VERSION\s*=\s*'([0-9][0-9A-Za-z.+-]*)'/i;

/** The dbt version the project's setup SQL pins on the project object, if it pins one. */
export function pinnedDbtVersionOf(files: ProjectFile[]): { version: string; from: string } | undefined {
  for (const f of files.filter((x) => x.path.startsWith("snowflake/") && x.path.endsWith(".sql"))) {
    const m = DBT_VERSION_IN_SQL.exec(f.content);
    if (m) return { version: m[1] as string, from: f.path };
  }
  return undefined;
}

/** ---- the checks ---- */

export function checkSnowflakeDbt(
  ran: string | undefined,
  pinned?: { version: string; from: string },
): CheckResult {
  const fix = "run `gen setup --snowflake` (it installs requirements/snowflake.txt into .venv-snowflake)";
  if (ran === undefined) return fail("snowflake-dbt", "the dbt of .venv-snowflake did not start", fix);
  if (ran !== SNOWFLAKE_DBT_VERSION)
    return fail("snowflake-dbt", `.venv-snowflake has dbt ${ran}; gen pins ${SNOWFLAKE_DBT_VERSION}`, fix);
  if (pinned && pinned.version !== ran)
    return fail(
      "snowflake-dbt",
      `${pinned.from} pins DBT_VERSION = '${pinned.version}' on the project object; these checks run dbt ${ran}`,
      `pin DBT_VERSION = '${ran}' (rebuild with \`gen build --target snowflake\`): the version gen's runtime is checked on`,
    );
  return pass("snowflake-dbt");
}

/** What native_dbt.py's profile step reports (project_check.profile_output). */
export interface ProfileReport {
  profile: string | null;
  outputs: string[];
  found: boolean;
  values: Partial<Record<"type" | "role" | "warehouse" | "database" | "schema", string | null>>;
  env_var_keys: string[];
  errors: Record<string, string>;
}

const REQUIRED_SETTINGS = ["role", "warehouse", "database", "schema"] as const;
const SPEC_SETTING_FIX =
  "set project.snowflake.<key> in the spec and rebuild (`gen build --target snowflake`), or write it in the output";

export function checkProfile(report: ProfileReport, target: string): CheckResult {
  const where = `profiles.yml, profile ${report.profile ?? "(none)"}, output ${target}`;
  const fileError = report.errors["profiles.yml"];
  if (fileError !== undefined)
    return fail(
      "profile",
      `profiles.yml cannot be read: ${fileError}`,
      "fix profiles.yml (or rebuild the project)",
    );
  if (!report.found)
    return fail(
      "profile",
      `profiles.yml has no output ${target} in profile ${report.profile ?? "(none)"} ` +
        `(outputs: ${report.outputs.join(", ") || "none"}); the dbt project object runs its DEFAULT_TARGET, ${target}`,
      "rebuild with `gen build --target snowflake` (it generates that output), or add it: type snowflake, " +
        "role, warehouse, database and schema, no env_var()",
    );
  const problems: string[] = [];
  if (report.env_var_keys.length > 0)
    problems.push(
      `${report.env_var_keys.join(", ")} ${report.env_var_keys.length === 1 ? "calls" : "call"} env_var(), ` +
        "which dbt Projects on Snowflake does not have",
    );
  const renderErrors = Object.entries(report.errors).filter(([k]) => !report.env_var_keys.includes(k));
  for (const [key, error] of renderErrors) problems.push(`${key} does not render: ${oneLine(error)}`);
  if (report.values.type !== undefined && report.values.type !== "snowflake")
    problems.push(`type is ${JSON.stringify(report.values.type)}, not snowflake`);
  const missing = REQUIRED_SETTINGS.filter(
    (k) => !report.env_var_keys.includes(k) && !(k in report.errors) && !(report.values[k] ?? "").trim(),
  );
  if (missing.length > 0)
    problems.push(`${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} empty or missing`);
  if (problems.length === 0) return pass("profile");
  const fixes: string[] = [];
  if (report.env_var_keys.length > 0)
    fixes.push(
      "replace env_var('X', ...) with var('x', '<default>') and pass other values with --vars in ARGS",
    );
  if (missing.length > 0) fixes.push(SPEC_SETTING_FIX.replace("<key>", missing.join(" / ")));
  if (fixes.length === 0) fixes.push("fix the output (or rebuild the project)");
  return fail("profile", `${where}: ${problems.join("; ")}`, fixes.join("; "));
}

/** What native_dbt.py reports for a dbt step. */
export interface DbtStepReport {
  success: boolean;
  exception: string | null;
  node_errors?: { node: string; message: string }[];
  /** names of dbt's events, in order of first occurrence */
  events?: string[];
}

/** Marker of native_dbt.py's env_var(): a project that calls it fails on Snowflake the same way. */
const ENV_VAR_UNAVAILABLE = "env_var() is not available in dbt Projects on Snowflake";
const ENV_VAR_FIX =
  "replace env_var('X', ...) with var('x', '<default>') and pass the value with --vars in the ARGS of " +
  "EXECUTE DBT PROJECT (or of the task)";
const DBT_FIX =
  "fix what dbt names above (for a generated file: fix the spec and rebuild, gen overwrites it)";

/** One `dbt compile` tells both: its manifest loads (parse) and every node compiles. */
export function checkDbt(step: DbtStepReport): [CheckResult, CheckResult] {
  if (step.success) return [pass("dbt-parse"), pass("dbt-compile")];
  const message =
    [step.exception, ...(step.node_errors ?? []).map((e) => `${e.node}: ${e.message}`)]
      .filter((m): m is string => Boolean(m))
      .join("\n")
      .trim() || "dbt failed without a message";
  const fix = message.includes(ENV_VAR_UNAVAILABLE) ? ENV_VAR_FIX : DBT_FIX;
  const parsed = (step.events ?? []).includes("FoundStats"); // fired once the manifest is loaded
  if (!parsed)
    return [
      fail("dbt-parse", message, fix),
      fail("dbt-compile", "not run: the project does not parse", "see dbt-parse"),
    ];
  return [pass("dbt-parse"), fail("dbt-compile", message, fix)];
}

export interface SplitFile {
  path: string;
  content: string;
  statements: SqlStatement[];
  /** the splitter could not read it (e.g. an unterminated string) */
  error?: string;
}

export function splitSetupFiles(files: ProjectFile[]): SplitFile[] {
  return files
    .filter((f) => f.path.startsWith("snowflake/") && f.path.endsWith(".sql"))
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => {
      try {
        return { ...f, statements: splitStatements(f.content, f.path) };
      } catch (e) {
        if (e instanceof SqlSplitError) return { ...f, statements: [], error: e.message };
        throw e;
      }
    });
}

/** What native_dbt.py's setup_sql step reports for a file (project_check.setup_sql). */
export interface SqlglotFileReport {
  path: string;
  sqlglot_statements: number | null;
  errors: { line: number; error: string }[];
}

export function checkSetupSql(files: SplitFile[], sqlglot: SqlglotFileReport[]): CheckResult {
  if (files.length === 0)
    return fail(
      "setup-sql",
      "no snowflake/*.sql setup files",
      "build the project for Snowflake: `gen build <spec> --target snowflake`",
    );
  const problems: string[] = [];
  for (const file of files) {
    if (file.error !== undefined) {
      problems.push(`${file.error} (gen deploy cannot split the file)`);
      continue;
    }
    const glot = sqlglot.find((g) => g.path === file.path);
    if (!glot) {
      problems.push(`${file.path}: not read by sqlglot`);
      continue;
    }
    if (glot.sqlglot_statements !== null && glot.sqlglot_statements !== file.statements.length)
      problems.push(
        `${file.path}: gen deploy splits it into ${file.statements.length} statements, Snowflake's grammar ` +
          `(sqlglot) reads ${glot.sqlglot_statements}: a ';' inside a string, quoted name, $$ body or comment ` +
          "is read differently",
      );
    for (const e of glot.errors) {
      const statement = file.statements.find((s) => s.line === e.line);
      const label = statement ? ` (${statementLabel(statement.sql, 60)})` : "";
      problems.push(`${file.path}:${e.line}${label}: ${oneLine(e.error)}`);
    }
  }
  if (problems.length === 0) return pass("setup-sql");
  return fail(
    "setup-sql",
    problems.join("\n"),
    "fix the statement at that line (for a generated file: fix the spec and rebuild); every statement ends " +
      "with ';' outside strings, quoted names, $$ bodies and comments",
  );
}

const CREATE_TASK =
  /^CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?TASK\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:"[^"]*"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"[^"]*"|[A-Za-z_][A-Za-z0-9_$]*)){0,2})/i;

/** Every task of the setup names a user-managed warehouse: a task without one is serverless. */
export function checkTaskWarehouses(statements: SqlStatement[]): CheckResult {
  const serverless: string[] = [];
  for (const st of statements) {
    const m = CREATE_TASK.exec(st.sql);
    if (!m) continue;
    // the task's properties: everything before its AS, with string literals (a COMMENT) blanked
    const head = st.sql.replace(/'(?:[^'\\]|\\.|'')*'/g, "''").split(/\bAS\b/i)[0] ?? "";
    if (!/(?:^|[\s,])WAREHOUSE\s*=\s*\S/i.test(head)) serverless.push(`${m[1]} (${st.file}:${st.line})`);
  }
  if (serverless.length === 0) return pass("task-warehouse");
  return fail(
    "task-warehouse",
    `task ${serverless.join(", ")} names no WAREHOUSE, so it would be serverless, and a serverless task cannot ` +
      "execute a dbt project object",
    "give the task a user-managed warehouse (the spec's auto_restart.tasks[].warehouse, or " +
      "project.snowflake.warehouse) and rebuild, or add WAREHOUSE = <name> to it",
  );
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

/** ---- the run ---- */

export interface CheckOptions {
  /** progress lines (stderr) */
  log: (line: string) => void;
  /** the spec's warnings */
  warn: (d: Diagnostic) => void;
}

interface LoadedProject {
  dir: string;
  files: ProjectFile[];
  defaultTarget: string;
  describe: string;
  /** the spec's warnings (a spec only) */
  warnings: Diagnostic[];
  cleanup: () => void;
}

function readTree(root: string, sub: string): ProjectFile[] {
  const dir = join(root, sub);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => /\.(sql|md)$/.test(f) && statSync(join(dir, f)).isFile())
    .map((f) => ({ path: `${sub}/${f}`, content: readFileSync(join(dir, f), "utf8") }));
}

/** A spec, built for snowflake into a temp dir, or a generated project directory, checked as it is. */
function loadProject(source: string): LoadedProject {
  if (!existsSync(source))
    throw new GenError("deploy-source", `${source} does not exist`, { exitCode: ExitCode.usage });
  if (statSync(source).isDirectory()) {
    if (!existsSync(join(source, "dbt_project.yml")))
      throw new GenError("deploy-source", `${source} has no dbt_project.yml`, {
        exitCode: ExitCode.usage,
        hint: "pass a project generated by `gen build`, or the spec itself",
      });
    const files = readTree(source, "snowflake");
    const { target, from } = defaultTargetOf(files);
    return {
      // absolute: the driver runs dbt from its own scratch directory
      dir: resolve(source),
      files,
      defaultTarget: target,
      describe: `${source} (default target ${target}, from ${from})`,
      warnings: [],
      cleanup: () => undefined,
    };
  }
  const compiled = compileForSnowflake(source);
  const dir = mkdtempSync(join(tmpdir(), "gen-check-"));
  try {
    writeOutput(dir, compiled.files);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const target = compiled.plan.project.snowflake.objects.defaultTarget;
  return {
    dir,
    files: compiled.files.map((f) => ({ path: f.path, content: f.content })),
    defaultTarget: target,
    describe: `${source}, built for snowflake (default target ${target})`,
    warnings: compiled.diagnostics.filter((d) => d.severity === "warning"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

interface DriverReport {
  dbt_version: string;
  steps: [{ profile: ProfileReport }, { files: SqlglotFileReport[] }, DbtStepReport];
}

/** Runs the checks on a spec or a project directory; never contacts Snowflake or the API. */
export async function checkProject(source: string, options: CheckOptions): Promise<CheckResult[]> {
  const { log } = options;
  const project = loadProject(source);
  const scratch = mkdtempSync(join(tmpdir(), "gen-check-run-"));
  try {
    log(`checking ${project.describe}, offline`);
    for (const w of project.warnings) options.warn(w);
    const split = splitSetupFiles(project.files);
    const statements = split.flatMap((f) => f.statements);
    const tasks = checkTaskWarehouses(statements);

    if (!venvIsCurrent("snowflake")) {
      log(
        `making .venv-snowflake (dbt ${SNOWFLAKE_DBT_VERSION}, as dbt Projects on Snowflake runs it) on first use`,
      );
      try {
        await setupVenv("snowflake", log);
      } catch (e) {
        const problem = `.venv-snowflake could not be made: ${e instanceof GenError ? e.message : String(e)}`;
        const fix = "run `gen setup --snowflake` (needs Python 3.11 with venv and access to PyPI)";
        return [
          fail("snowflake-dbt", problem, fix),
          ...(["profile", "dbt-parse", "dbt-compile", "setup-sql"] as const).map((n) =>
            fail(n, "not run: it needs the dbt of .venv-snowflake", "see snowflake-dbt"),
          ),
          tasks,
        ];
      }
    }

    log(
      `dbt ${SNOWFLAKE_DBT_VERSION}: the profile, dbt compile on fakesnow (env_var unavailable), the setup SQL`,
    );
    const reportPath = join(scratch, "report.json");
    const config = {
      project_dir: project.dir,
      native: true,
      default_target: project.defaultTarget,
      procedure_sql: null, // compile never CALLs it: only run and build execute the workflow models
      mock_url: null,
      scratch,
      steps: [
        { profile: project.defaultTarget },
        {
          setup_sql: split
            .filter((f) => f.error === undefined)
            .map((f) => ({ path: f.path, content: f.content, statements: f.statements })),
        },
        { dbt: ["compile"] },
      ],
      report: reportPath,
    };
    // No SNOWFLAKE_*, DBT_* or GEN_* variable from the caller: the project must not depend on them.
    const env: NodeJS.ProcessEnv = {
      DBT_SEND_ANONYMOUS_USAGE_STATS: "false",
      DBT_USE_COLORS: "false",
      DBT_VERSION_CHECK: "false",
    };
    for (const k of Object.keys(process.env))
      if (/^(SNOWFLAKE_|DBT_|GEN_)/.test(k) && !(k in env)) env[k] = undefined;
    const driver = join(GEN_HOME, "generator", "snowflake", "native", "native_dbt.py");
    const { execa } = await import("execa"); // lazily: every gen command would pay its ~0.1 s start
    const run = await execa(join(VENVS.snowflake.dir, "bin", "python"), [driver, JSON.stringify(config)], {
      reject: false,
      all: true,
      cwd: scratch,
      env,
      stdin: "ignore",
    });
    if (run.exitCode !== 0 || !existsSync(reportPath)) {
      const tail = (run.all ?? "").split("\n").slice(-15).join("\n");
      return [
        fail(
          "snowflake-dbt",
          `the check driver failed (exit ${run.exitCode}):\n${tail}`,
          "run `gen setup --snowflake`; if it persists, report it with the output above",
        ),
        ...(["profile", "dbt-parse", "dbt-compile", "setup-sql"] as const).map((n) =>
          fail(n, "not run: the dbt of .venv-snowflake failed", "see snowflake-dbt"),
        ),
        tasks,
      ];
    }
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as DriverReport;
    const [profileStep, sqlStep, dbtStep] = report.steps; // the steps of `config`, in order
    return [
      checkSnowflakeDbt(report.dbt_version, pinnedDbtVersionOf(project.files)),
      checkProfile(profileStep.profile, project.defaultTarget),
      ...checkDbt(dbtStep),
      checkSetupSql(split, sqlStep.files),
      tasks,
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    project.cleanup();
  }
}

/** `gen deploy <source> --check [--json]`: exit 0 when every check passes, 1 when one fails. */
export async function checkCommand(source: string, json: boolean, term: Term): Promise<number> {
  let checks: CheckResult[];
  try {
    checks = await checkProject(source, {
      log: (line) => term.err(term.paint("dim", line)),
      warn: (d) => term.err(formatDiagnostic(d, term.paint)),
    });
  } catch (e) {
    // a spec that does not compile, or a source that is not a project: still JSON on stdout with --json
    // (the diagnostics are printed on stderr and mapped to the exit code by the caller, as for any command)
    if (json && e instanceof GenError)
      term.out(toJsonText({ ok: false, checks: [], diagnostics: e.diagnostics }));
    throw e;
  }
  const ok = checks.every((c) => c.ok);
  const indent = (text: string) => text.replace(/\n/g, "\n      ");
  for (const c of checks) {
    if (c.ok) term.err(`${term.paint("ok", "ok  ")}  ${c.name}: ${CHECKS[c.name]}`);
    else {
      term.err(`${term.paint("error", "FAIL")}  ${term.paint("bold", c.name)}: ${indent(c.problem ?? "")}`);
      if (c.fix) term.err(`      ${term.paint("hint", "fix: " + indent(c.fix))}`);
    }
  }
  const failed = checks.filter((c) => !c.ok).length;
  term.err(
    ok
      ? term.paint(
          "ok",
          `all ${checks.length} checks passed: the project is ready for dbt Projects on Snowflake`,
        )
      : term.paint("error", `${failed} of ${checks.length} checks failed`),
  );
  if (json) term.out(toJsonText({ ok, checks }));
  return ok ? ExitCode.ok : ExitCode.specProblems;
}
