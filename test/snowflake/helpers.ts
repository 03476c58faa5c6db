/** Shared by the Snowflake-target tests: build a spec for snowflake into a temp dir, read its setup SQL. */
import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VENVS } from "../../generator/dbt/index.ts";
import { splitStatements, type SqlStatement } from "../../generator/deploy/sql.ts";
import type { Plan } from "../../generator/plan/index.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import type { FileOutput } from "../../generator/render/index.ts";
import { writeOutput } from "../../generator/write/index.ts";
import { PYTHON } from "../integration/harness.ts";

export const HERE = fileURLToPath(new URL(".", import.meta.url));
export const ROOT = join(HERE, "..", "..");

/** The example specs (both must produce valid Snowflake output). */
export const SPECS = ["specs/policy.yaml", "specs/data_export.yaml"].map((p) => join(ROOT, p));

/**
 * A spec that sets every project.snowflake option that changes the setup SQL (the owner role: USE ROLE in every
 * file; the project source: the dbt project object; the secrets schema).
 */
export const FULL_OPTIONS_SPEC = `version: 1
project:
  name: sf_options
  targets: [duckdb, snowflake]
  snowflake:
    warehouse: TRANSFORM_WH
    database: ANALYTICS
    schema: WORKFLOWS
    role: WORKFLOW_RUNNER
    owner_role: WORKFLOW_ADMIN
    external_access_integration: SF_OPTIONS_ACCESS
    network_rule: SF_OPTIONS_EGRESS
    secrets_schema: SECRETS
    dbt_project_object: SF_OPTIONS_PROJECT
    dbt_project_source: "@ANALYTICS.WORKFLOWS.GEN_REPO/branches/main/out/sf_options"
connections:
  api:
    base_url: https://api.example.com/v1
    auth: { type: basic, username: svc, password: "\${secret.API_PASSWORD}" }
  other:
    base_url: http://other.example.com:8080
    headers: { X-Token: "\${secret.OTHER_TOKEN}" }
workflows:
  - name: two_hosts
    steps:
      - name: first
        request: { connection: api, method: GET, path: /a }
      - name: second
        request: { connection: other, method: GET, path: /b }
`;

/**
 * A for_each workflow on the snowflake target (the batch procedure, its grant): one execution per row of the
 * model active_customers, which the test writes into the built project. `${env.FANOUT_API_URL:-...}` is the API.
 */
export const FANOUT_SPEC = `version: 1
project:
  name: sf_fanout
  targets: [duckdb, snowflake]
  snowflake: { warehouse: COMPUTE_WH, database: EDW, schema: FANOUT, role: DBT_RUNNER }
connections:
  api:
    base_url: \${env.FANOUT_API_URL:-http://127.0.0.1:1}
    auth: { type: bearer, token: "\${secret.FANOUT_API_KEY}" }
    retry: { max_attempts: 2, backoff_s: 0.01 }
workflows:
  - name: customer_policy
    for_each: { model: active_customers, key: customer_id }
    concurrency: 4
    steps:
      - name: create_policy
        request:
          connection: api
          method: POST
          path: /createpolicy
          body: { policy_name: "policy-\${row.customer_id}", tier: "\${row.tier}" }
        outputs: { policy_id: $.policy_id }
      - name: poll_policy
        request: { connection: api, method: GET, path: "/policy/\${steps.create_policy.policy_id}" }
        poll: { status: $.status, success: [success], pending: [pending], failure: [failed], max_attempts: 4, interval_s: 0.05 }
`;

const created: string[] = [];

/** A fresh temp directory, removed by removeTempDirs() (each test file calls it in afterAll). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface BuiltProject {
  dir: string;
  plan: Plan;
  files: FileOutput[];
}

export function build(spec: { file: string } | { text: string; name: string }): BuiltProject {
  const text = "file" in spec ? readFileSync(spec.file, "utf8") : spec.text;
  const compiled = compileSpec(text, "file" in spec ? spec.file : spec.name, {
    targets: ["duckdb", "snowflake"],
  });
  if (!compiled.plan || !compiled.files)
    throw new Error("spec does not compile:\n" + compiled.diagnostics.map((d) => d.message).join("\n"));
  const dir = tempDir("gen-sf-");
  writeOutput(dir, compiled.files);
  return { dir, plan: compiled.plan, files: compiled.files };
}

/** Every statement of the setup SQL (snowflake/*.sql in file order), as gen deploy would send them. */
export function setupStatements(files: FileOutput[]): SqlStatement[] {
  return files
    .filter((f) => f.path.startsWith("snowflake/") && f.path.endsWith(".sql"))
    .sort((a, b) => a.path.localeCompare(b.path))
    .flatMap((f) => splitStatements(f.content, f.path));
}

/** The Python body of every `CREATE ... PROCEDURE ... LANGUAGE PYTHON` statement. */
export function pythonProcedures(statements: SqlStatement[]): { statement: SqlStatement; body: string }[] {
  return statements
    .filter(
      (s) => /^CREATE\s+(OR\s+REPLACE\s+)?PROCEDURE\b/i.test(s.sql) && /\bLANGUAGE\s+PYTHON\b/i.test(s.sql),
    )
    .map((statement) => {
      const m = /\nAS\n\$\$\n([\s\S]*?)\n\$\$$/.exec(statement.sql);
      if (!m) throw new Error(`no $$ body in ${statement.file}:${statement.line}`);
      return { statement, body: m[1] as string };
    });
}

export interface LoggedStatement {
  sql: string;
  success: boolean;
  code?: string;
  message?: string;
}

export interface FakesnowServer {
  port: number;
  log: string;
  statements: () => LoggedStatement[];
  stop: () => Promise<void>;
}

/** What fakesnow_server.py serves beyond fakesnow (its docstring explains each). */
export interface FakesnowOptions {
  /** a generated snowflake/04_gen_http_request_procedure.sql: its handler serves CALLs of the HTTP procedure */
  procedure_sql?: string;
  secrets?: Record<string, string>;
  /** statements of all sessions one at a time, as Snowflake's table locks order UPDATE/DELETE/MERGE */
  serialize?: boolean;
  /** false for Python clients (dbt-snowflake): fakesnow's Arrow answers as they are */
  json_rowsets?: boolean;
}

/**
 * fakesnow's Snowflake REST server (fakesnow_server.py) on 127.0.0.1, for snowflake-sdk; statements matching
 * `nopRegexes` are acknowledged without being run. stop() closes its stdin, which ends it.
 */
export async function startFakesnow(
  nopRegexes: string[],
  options: FakesnowOptions = {},
): Promise<FakesnowServer> {
  const log = join(tempDir("gen-sf-deploy-"), "statements.jsonl");
  writeFileSync(log, "");
  const child = execa(
    PYTHON,
    [join(HERE, "fakesnow_server.py"), JSON.stringify({ log, nop_regexes: nopRegexes, ...options })],
    {
      stdin: "pipe",
      reject: false,
      all: true,
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`fakesnow server did not start:\n${seen}`)), 60_000);
    child.all?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /READY (\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void child.then(() => reject(new Error(`fakesnow server exited:\n${seen}`)));
  });
  return {
    port,
    log,
    statements: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LoggedStatement),
    stop: async () => {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await child;
      clearTimeout(timer);
    },
  };
}

/** SNOWFLAKE_* variables that point gen deploy / gen sync at a fakesnow server. */
export function connectionEnv(port: number): Record<string, string> {
  return {
    SNOWFLAKE_ACCOUNT: "fakesnow",
    SNOWFLAKE_USER: "fake",
    SNOWFLAKE_PASSWORD: "snow",
    SNOWFLAKE_HOST: "127.0.0.1",
    SNOWFLAKE_PORT: String(port),
    SNOWFLAKE_PROTOCOL: "http",
    SNOWFLAKE_DATABASE: "EDW",
    SNOWFLAKE_SCHEMA: "PUBLIC",
  };
}

/** Tests of the native runtime need .venv-snowflake (`gen setup --snowflake`): say so instead of failing obscurely. */
export function requireNativeVenv(): void {
  if (!existsSync(join(VENVS.snowflake.dir, "bin", "dbt")))
    throw new Error("the Snowflake venv is missing: run `npm run setup:all` before the Snowflake tests");
}

/** A spec's `${env.NAME:-default}` base URLs with their defaults pointed at `url` (the mock API). */
export function withEndpoint(specText: string, url: string): string {
  return specText.replace(/\$\{env\.([A-Z0-9_]+):-[^}]*\}/g, (_, name: string) => `\${env.${name}:-${url}}`);
}

export interface NativeRun<R> {
  report: R;
  /** dbt's and the driver's output */
  stdout: string;
}

/**
 * Runs steps on a built project as dbt Projects on Snowflake would (generator/snowflake/native/native_dbt.py with
 * native: true): the pinned dbt of .venv-snowflake, env_var() unavailable, the project's profiles.yml and the
 * default target the generated setup names, no SNOWFLAKE_* or other dbt variables in the environment.
 */
export async function runNative<R>(
  project: BuiltProject,
  options: {
    database: string;
    schema: string;
    mockUrl: string;
    secrets: Record<string, string>;
    steps: unknown[];
  },
): Promise<NativeRun<R>> {
  const reportPath = join(tempDir("gen-sf-native-"), "report.json");
  const procedureSql = join(project.dir, "snowflake", "04_gen_http_request_procedure.sql");
  const config = {
    project_dir: project.dir,
    native: true,
    default_target: project.plan.project.snowflake.objects.defaultTarget,
    // none in a project without workflows (a spec with only auto_restart): nothing to CALL
    procedure_sql: existsSync(procedureSql) ? procedureSql : null,
    // the auto-restart procedure's handler serves restart steps
    restart_sql: join(project.dir, "snowflake", "07_auto_restart.sql"),
    database: options.database,
    schema: options.schema,
    mock_url: options.mockUrl,
    secrets: options.secrets,
    steps: options.steps,
    report: reportPath,
  };
  const env: NodeJS.ProcessEnv = { DBT_SEND_ANONYMOUS_USAGE_STATS: "false", DBT_USE_COLORS: "false" };
  for (const k of Object.keys(process.env))
    if (/^(SNOWFLAKE_|DBT_|GEN_)/.test(k) && !(k in env)) env[k] = undefined;
  const r = await execa(join(VENVS.snowflake.dir, "bin", "python"), [NATIVE_DRIVER, JSON.stringify(config)], {
    reject: false,
    all: true,
    cwd: project.dir,
    env,
  });
  const stdout = r.all ?? "";
  if (r.exitCode !== 0) throw new Error(`native runtime driver failed:\n${stdout}`);
  return { report: JSON.parse(readFileSync(reportPath, "utf8")) as R, stdout };
}

export const NATIVE_DRIVER = join(ROOT, "generator", "snowflake", "native", "native_dbt.py");
