import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import { runDbt, VENV_DIR, type DbtRunResult } from "../../generator/dbt/index.ts";
import { startMockApi, type MockApi, type Scenario } from "../../generator/mockapi/index.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import type { Plan } from "../../generator/plan/index.ts";
import { writeOutput } from "../../generator/write/index.ts";

export const PYTHON = join(VENV_DIR, "bin", "python");

/** Integration tests need the project-local venv (`npm run setup`); say so instead of failing obscurely. */
export function requireVenv(): void {
  if (!existsSync(join(VENV_DIR, "bin", "dbt")))
    throw new Error("the project-local venv is missing: run `npm run setup` before the integration tests");
}

export interface Project {
  dir: string;
  plan: Plan;
  api: MockApi;
  /** env for dbt: connection URLs pointed at the mock, secrets set */
  env: NodeJS.ProcessEnv;
  dbt: (args: string[], options?: { signal?: AbortSignal; hardKill?: boolean }) => Promise<DbtRunResult>;
  query: (sql: string) => Promise<Record<string, unknown>[]>;
  /** rebuilds the project in place from a changed spec (as `gen build` or `gen watch` would) */
  rebuild: (text: string) => void;
  /** a statement against the project's DuckDB file (dbt must not be running) */
  exec: (sql: string) => Promise<void>;
  tables: () => Promise<string[]>;
  /** stops the mock API and removes the project directory */
  close: () => Promise<void>;
}

/** For a test file: makes temp directories (mkdtemp with `prefix`) and removes them after its tests. */
export function useTempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/** For a describe block: builds projects like buildProject and closes each one after its test. */
export function useProjects(): typeof buildProject {
  const open: Project[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  return async (...args) => {
    const project = await buildProject(...args);
    open.push(project);
    return project;
  };
}

/** The state table columns of seed 000, which specs/policy.yaml must reproduce. */
export const SEED_STATE_COLUMNS = [
  "execution_id",
  "policy_id",
  "poll_count",
  "status",
  "start_time",
  "last_poll_time",
  "completed",
  "requires_circuit_breaker",
  "circuit_breaker_initiated",
  "circuit_breaker_completed",
  "error_message",
  "message",
  "api_response",
  "policy_data",
  "policy_status_response",
  "circuit_breaker_response",
];

export const TEST_SECRET = "s3cr3t-T0ken-do-not-leak";

/** Builds a spec (file or text) into a fresh temp dir and starts a mock API for it. */
export async function buildProject(
  spec: { file: string } | { text: string; name?: string },
  scenario: Partial<Scenario> = {},
): Promise<Project> {
  requireVenv();
  const text = "file" in spec ? readFileSync(spec.file, "utf8") : spec.text;
  const file = "file" in spec ? spec.file : (spec.name ?? "inline.yaml");
  const compiled = compileSpec(text, file, { targets: ["duckdb"] });
  if (!compiled.plan || !compiled.files)
    throw new Error("spec does not compile:\n" + compiled.diagnostics.map((d) => d.message).join("\n"));
  const dir = mkdtempSync(join(tmpdir(), "gen-it-"));
  writeOutput(dir, compiled.files);
  const api = await startMockApi({ port: 0, scenario });
  const env: NodeJS.ProcessEnv = {};
  for (const v of compiled.plan.project.envVars) env[v.name] = api.url;
  for (const s of compiled.plan.project.secrets) env[s] = TEST_SECRET;
  const dbPath = join(dir, compiled.plan.project.duckdbPath);
  const query = async (sql: string) => {
    const script =
      "import duckdb, json, sys\n" +
      "con = duckdb.connect(sys.argv[1], read_only=True)\n" +
      "cur = con.execute(sys.argv[2])\n" +
      "cols = [d[0] for d in cur.description]\n" +
      "print(json.dumps([dict(zip(cols, r)) for r in cur.fetchall()], default=str))\n";
    const r = await execa(PYTHON, ["-c", script, dbPath, sql]);
    return JSON.parse(r.stdout) as Record<string, unknown>[];
  };
  const exec = async (sql: string) => {
    await execa(PYTHON, [
      "-c",
      "import duckdb, sys\nduckdb.connect(sys.argv[1]).execute(sys.argv[2]).close()",
      dbPath,
      sql,
    ]);
  };
  const rebuild = (next: string) => {
    const again = compileSpec(next, file, { targets: ["duckdb"] });
    if (!again.files)
      throw new Error("spec does not compile:\n" + again.diagnostics.map((d) => d.message).join("\n"));
    writeOutput(dir, again.files);
  };
  return {
    dir,
    exec,
    rebuild,
    plan: compiled.plan,
    api,
    env,
    dbt: (args, options = {}) => runDbt(dir, args, { env, ...options }),
    query,
    tables: async () =>
      existsSync(dbPath)
        ? (await query("select table_name from information_schema.tables order by 1")).map((r) =>
            String(r.table_name),
          )
        : [],
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
