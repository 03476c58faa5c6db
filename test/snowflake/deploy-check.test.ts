/**
 * `gen deploy --check`: the offline checks that tell whether a project runs on dbt Projects on Snowflake, run as a
 * user runs them (the CLI, real dbt of .venv-snowflake through the native driver on fakesnow, real sqlglot), on the
 * example spec and on a generated project broken in one place per check. The pure checks are also tested on inputs
 * the generated projects never contain (a splitter/sqlglot disagreement, a profile calling env_var()).
 */
import { execa } from "execa";
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkProfile,
  checkSetupSql,
  checkTaskWarehouses,
  defaultTargetOf,
  splitSetupFiles,
  type CheckResult,
} from "../../generator/deploy/check.ts";
import { splitStatements } from "../../generator/deploy/sql.ts";
import { build, removeTempDirs, requireNativeVenv, ROOT, SPECS, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);

const GEN = join(ROOT, "bin", "gen.js");

/** `gen deploy <source> --check --json` with no SNOWFLAKE_* (or other) variable and no ~/.snowflake. */
async function check(source: string, cwd: string = ROOT) {
  const r = await execa("node", [GEN, "deploy", source, "--check", "--json"], {
    cwd,
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "", HOME: tempDir("gen-check-home-"), NO_COLOR: "1" },
  });
  const parsed = JSON.parse(r.stdout) as { ok: boolean; checks: CheckResult[]; diagnostics?: unknown[] };
  return { exitCode: r.exitCode, ...parsed, stderr: r.stderr };
}

const byName = (checks: CheckResult[], name: string): CheckResult => {
  const c = checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in ${JSON.stringify(checks)}`);
  return c;
};

/**
 * specs/policy.yaml with a role for the dbt project object's output, which dbt Projects on Snowflake requires:
 * added here only while the spec has none (the spec names it once role is required for the Snowflake target).
 */
function policySpecWithRole(): string {
  const text = readFileSync(SPECS[0] as string, "utf8");
  const withRole = /^ {4}role:/m.test(text)
    ? text
    : text.replace(/^( {4}schema: .*\n)/m, "$1    role: WORKFLOW_RUNNER\n");
  const file = join(tempDir("gen-check-spec-"), "policy.yaml");
  writeFileSync(file, withRole);
  return file;
}

describe("gen deploy --check on real projects", () => {
  it("passes on specs/policy.yaml: exit 0, every check ok", { timeout: 180_000 }, async () => {
    requireNativeVenv();
    const r = await check(policySpecWithRole());
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual([
      "snowflake-dbt",
      "profile",
      "dbt-parse",
      "dbt-compile",
      "setup-sql",
      "task-warehouse",
    ]);
    for (const c of r.checks) expect(c, JSON.stringify(c)).toEqual({ name: c.name, ok: true });
    expect(r.stderr).toContain("all 6 checks passed");
    expect(r.stderr).not.toContain("\u001b["); // NO_COLOR
  });

  it(
    "takes a project directory relative to where it runs; a spec that does not compile still gets JSON",
    { timeout: 180_000 },
    async () => {
      requireNativeVenv();
      const project = build({ text: readFileSync(policySpecWithRole(), "utf8"), name: "policy.yaml" });
      const relative = await check(basename(project.dir), dirname(project.dir));
      expect(relative.exitCode, relative.stderr).toBe(0);
      expect(relative.ok).toBe(true);

      const broken = join(tempDir("gen-check-broken-"), "broken.yaml");
      writeFileSync(broken, "version: 1\nproject: [\n");
      const invalid = await check(broken);
      expect(invalid.exitCode).toBe(1);
      expect(invalid).toMatchObject({ ok: false, checks: [] });
      expect(invalid.diagnostics?.length).toBeGreaterThan(0);
    },
  );

  it(
    "on a project directory broken once per check, fails exactly those checks, each naming the problem and its fix",
    { timeout: 180_000 },
    async () => {
      requireNativeVenv();
      const project = build({ text: readFileSync(policySpecWithRole(), "utf8"), name: "policy.yaml" });
      const dir = project.dir;
      // dbt: a model that reads an environment variable
      writeFileSync(
        join(dir, "models", "reads_env.sql"),
        'select \'{{ env_var("REGION", "eu") }}\' as region\n',
      );
      // profile: the dbt project object's output without its role
      const profiles = readFileSync(join(dir, "profiles.yml"), "utf8");
      const start = profiles.indexOf("    snowflake_project:");
      expect(start).toBeGreaterThan(0);
      const brokenProfiles = profiles.slice(0, start) + profiles.slice(start).replace(/^ {6}role: .*\n/m, "");
      expect(brokenProfiles).not.toBe(profiles);
      writeFileSync(join(dir, "profiles.yml"), brokenProfiles);
      // setup SQL: a statement with a syntax error, and a file the splitter cannot read (an unterminated string)
      const schemas = readFileSync(join(dir, "snowflake", "00_schemas.sql"), "utf8");
      const brokenLine = schemas.split("\n").length + 1;
      appendFileSync(
        join(dir, "snowflake", "00_schemas.sql"),
        "\nCREATE SCHEMA IF NOT EXISTS EDW.(ARCHIVE;\n",
      );
      writeFileSync(
        join(dir, "snowflake", "99_extra.sql"),
        "COMMENT ON SCHEMA EDW.O2C_AUDIT IS 'unterminated;\n",
      );
      // tasks: the first task without its warehouse
      const restartFile = readdirSync(join(dir, "snowflake")).find((f) => f.endsWith("_auto_restart.sql"));
      if (!restartFile) throw new Error("the policy project has no auto-restart setup file");
      const restart = readFileSync(join(dir, "snowflake", restartFile), "utf8");
      writeFileSync(join(dir, "snowflake", restartFile), restart.replace(/^ {2}WAREHOUSE = \S+\n/m, ""));
      const before = readdirSync(dir).sort();

      const r = await check(dir);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.ok).toBe(false);
      expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
        "profile",
        "dbt-parse",
        "dbt-compile",
        "setup-sql",
        "task-warehouse",
      ]);
      expect(byName(r.checks, "snowflake-dbt").ok).toBe(true);

      const profile = byName(r.checks, "profile");
      expect(profile.problem).toMatch(/output snowflake_project: role is empty or missing/);
      expect(profile.fix).toMatch(/project\.snowflake\.role/);

      const parse = byName(r.checks, "dbt-parse");
      expect(parse.problem).toContain("models/reads_env.sql");
      expect(parse.problem).toContain("env_var() is not available in dbt Projects on Snowflake");
      expect(parse.fix).toMatch(/--vars/);
      expect(byName(r.checks, "dbt-compile").problem).toMatch(/not run/);

      const sql = byName(r.checks, "setup-sql");
      expect(sql.problem).toContain(
        `snowflake/00_schemas.sql:${brokenLine} (CREATE SCHEMA IF NOT EXISTS EDW.(ARCHIVE)`,
      );
      expect(sql.problem).toContain("snowflake/99_extra.sql:1: unterminated '...' string");
      expect(sql.fix).toBeTruthy();

      const tasks = byName(r.checks, "task-warehouse");
      expect(tasks.problem).toMatch(
        /^task EDW\.O2C_AUDIT\.O2C_DAILY_BUILD \(snowflake\/\d+_auto_restart\.sql:\d+\) names no WAREHOUSE/,
      );
      expect(tasks.problem).not.toContain("O2C_HOURLY_INCREMENTAL");
      expect(tasks.fix).toMatch(/warehouse/);

      // the user's project is checked as it is, and left as it was (no target/, logs/ or other file)
      expect(readdirSync(dir).sort()).toEqual(before);
      // the human report on stderr names each failure with its fix
      for (const c of r.checks.filter((x) => !x.ok)) expect(r.stderr).toContain(`FAIL  ${c.name}: `);
      expect(r.stderr).toContain("5 of 6 checks failed");
    },
  );
});

describe("gen deploy --check: the pure checks", () => {
  it("setup-sql names a file that gen deploy and sqlglot split into different statement counts", () => {
    const files = splitSetupFiles([{ path: "snowflake/01_a.sql", content: "SELECT 1;\nSELECT 2;\n" }]);
    expect(files[0]?.statements).toHaveLength(2);
    const agree = checkSetupSql(files, [{ path: "snowflake/01_a.sql", sqlglot_statements: 2, errors: [] }]);
    expect(agree.ok).toBe(true);
    const differ = checkSetupSql(files, [{ path: "snowflake/01_a.sql", sqlglot_statements: 3, errors: [] }]);
    expect(differ.ok).toBe(false);
    expect(differ.problem).toMatch(
      /snowflake\/01_a\.sql: gen deploy splits it into 2 statements, .* reads 3/,
    );
    expect(checkSetupSql([], []).fix).toMatch(/--target snowflake/);
  });

  it("task-warehouse finds a task without WAREHOUSE even when its comment or body mentions one", () => {
    const sql = `CREATE OR REPLACE TASK DB.S.WITH_WH
  WAREHOUSE = WH
  SCHEDULE = '60 MINUTE'
AS
  CALL DB.S.P('x');
CREATE TASK IF NOT EXISTS DB.S.SERVERLESS
  USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'
  COMMENT = 'runs on WAREHOUSE = NONE'
AS
  SELECT 1;
CREATE TASK DB.S.QUOTED_BODY SCHEDULE = '5 MINUTE' AS EXECUTE IMMEDIATE 'ALTER SESSION SET WAREHOUSE = X';`;
    const result = checkTaskWarehouses(splitStatements(sql, "snowflake/06_tasks.sql"));
    expect(result.ok).toBe(false);
    expect(result.problem).toContain("DB.S.SERVERLESS (snowflake/06_tasks.sql:6)");
    expect(result.problem).toContain("DB.S.QUOTED_BODY (snowflake/06_tasks.sql:11)");
    expect(result.problem).not.toContain("WITH_WH");
    expect(checkTaskWarehouses(splitStatements("SELECT 1;", "x.sql")).ok).toBe(true);
  });

  it("profile: env_var() in the output, a wrong type and a missing output are named with their fix", () => {
    const base = {
      profile: "p",
      outputs: ["snowflake_project"],
      found: true,
      values: { type: "snowflake", role: "R", warehouse: "W", database: "D", schema: "S" },
      env_var_keys: [],
      errors: {},
    };
    expect(checkProfile(base, "snowflake_project").ok).toBe(true);
    const envVar = checkProfile(
      { ...base, env_var_keys: ["password"], errors: { password: "env_var() is not available" } },
      "snowflake_project",
    );
    expect(envVar.problem).toMatch(/password calls env_var\(\)/);
    expect(envVar.fix).toMatch(/--vars/);
    const duck = checkProfile(
      { ...base, values: { ...base.values, type: "duckdb", schema: " " } },
      "snowflake_project",
    );
    expect(duck.problem).toMatch(/type is "duckdb", not snowflake; schema is empty or missing/);
    const missing = checkProfile({ ...base, found: false, outputs: ["duckdb"] }, "snowflake_project");
    expect(missing.problem).toMatch(/no output snowflake_project in profile p \(outputs: duckdb\)/);
    expect(missing.fix).toMatch(/gen build --target snowflake/);
  });

  it("the default target of a directory is the one its setup names", () => {
    expect(
      defaultTargetOf([
        { path: "snowflake/README.md", content: "snow dbt deploy X --default-target prod_sf" },
      ]),
    ).toEqual({ target: "prod_sf", from: "snowflake/README.md" });
    expect(
      defaultTargetOf([
        { path: "snowflake/README.md", content: "--default-target other" },
        {
          path: "snowflake/07_project.sql",
          content: "CREATE DBT PROJECT X FROM '@s' DEFAULT_TARGET = 'sf_obj';",
        },
      ]).target,
    ).toBe("sf_obj");
    expect(defaultTargetOf([]).target).toBe("snowflake_project");
  });
});
