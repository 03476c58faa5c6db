import { execa } from "execa";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireVenv, useTempDirs } from "./harness.ts";

const gen = (args: string[], cwd?: string) =>
  execa("node", [join(process.cwd(), "bin/gen.js"), ...args], { reject: false, cwd, env: { NO_COLOR: "1" } });

const tempDir = useTempDirs("gen-cli-");

describe("gen CLI", () => {
  it(
    "gen run --mock-api runs both flows end to end and prints a JSON summary",
    { timeout: 180_000 },
    async () => {
      requireVenv();
      const out = join(tempDir(), "project");
      const r = await gen(["run", "specs/policy.yaml", "--mock-api", "--json", "-o", out]);
      expect(r.exitCode, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as {
        ok: boolean;
        wall_ms: number;
        dbt_ms: number;
        http_requests_served: number;
        executions: { mode: string; ok: boolean; status: string; http_calls: number; polls: number }[];
      };
      expect(summary.ok).toBe(true);
      expect(summary.executions.map((e) => e.mode).sort()).toEqual(["stateful", "stateless"]);
      for (const e of summary.executions)
        expect(e).toMatchObject({ ok: true, status: "completed", polls: 1, http_calls: 3 });
      expect(summary.http_requests_served).toBe(6);
      expect(summary.dbt_ms).toBeLessThanOrEqual(summary.wall_ms);
      // progress went to stderr while dbt ran
      expect(r.stderr).toMatch(
        /gen \| policy_execution exec_\d{8}_\d{6}_[0-9a-f]{8} \| step 1\/3 create_policy completed/,
      );
      expect(existsSync(join(out, "gen.duckdb"))).toBe(true);
    },
  );

  it("gen run exits 3 when a workflow fails, and names the cause", { timeout: 180_000 }, async () => {
    requireVenv();
    const out = join(tempDir(), "project");
    const r = await gen([
      "run",
      "specs/policy.yaml",
      "--mock-api",
      "--scenario",
      "terminal-failure",
      "--mode",
      "stateless",
      "-o",
      out,
    ]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/terminal status 'failed'/);
    expect(r.stderr).toMatch(/dbt failed/);
  });

  it("validate prints located diagnostics and exits 1", async () => {
    const dir = tempDir();
    const spec = readFileSync("specs/policy.yaml", "utf8").replace(
      "connection: policy_api\n          method: GET",
      "connection: policy_apl\n          method: GET",
    );
    writeFileSync(join(dir, "bad.yaml"), spec);
    const r = await gen(["validate", "bad.yaml"], dir);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^bad\.yaml:\d+:\d+ {2}.*policy_apl.*did you mean "policy_api"/m);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("build refuses to overwrite files it did not write and changes nothing", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "out", "dbt_project.yml"), "name: mine\n");
    const r = await gen(["build", join(process.cwd(), "specs/policy.yaml"), "-o", "out"], dir);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/dbt_project\.yml was not written by gen.*--force/);
    expect(readdirSync(join(dir, "out"))).toEqual(["dbt_project.yml"]);
    expect(readFileSync(join(dir, "out", "dbt_project.yml"), "utf8")).toBe("name: mine\n");
  });

  it("init writes a starter spec that builds", async () => {
    const dir = tempDir();
    expect((await gen(["init", "my.yaml"], dir)).exitCode).toBe(0);
    expect((await gen(["init", "my.yaml"], dir)).exitCode).toBe(2); // exists
    const b = await gen(["build", "my.yaml", "-o", "out"], dir);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(existsSync(join(dir, "out", "dbt_project.yml"))).toBe(true);
  });

  it(
    "gen restart builds a spec, prints the plan with --dry-run, and says when there is no auto_restart",
    { timeout: 60_000 },
    async () => {
      requireVenv();
      const out = join(tempDir(), "policy");
      const plan = await gen(["restart", "specs/policy.yaml", "-o", out, "--dry-run", "--json"]);
      expect(plan.exitCode, plan.stderr).toBe(0);
      expect(JSON.parse(plan.stdout)).toMatchObject({
        plan: { verdict: "no_run", decision: "FULL BUILD", max_retries: 3, max_age_hours: 24 },
        args: ["build"],
        exit_code: null,
      });
      expect(plan.stderr).toContain(
        "restart plan: full build: no earlier run of policy_workflows in DBT_RUN_LOG",
      );
      const none = await gen([
        "restart",
        "specs/data_export.yaml",
        "-o",
        join(tempDir(), "export"),
        "--dry-run",
      ]);
      expect(none.exitCode).toBe(2);
      expect(none.stderr).toContain(
        "has no gen_restart_plan operation (no auto_restart block in its spec)  (add the auto_restart block",
      );
    },
  );

  it("usage errors exit 2; --help exits 0", async () => {
    expect((await gen(["frobnicate"])).exitCode).toBe(2);
    expect((await gen(["build", "--nope"])).exitCode).toBe(2);
    expect((await gen(["build"])).exitCode).toBe(2);
    expect((await gen(["restart"])).exitCode).toBe(2);
    for (const c of ["build", "validate", "run", "init", "mock-api", "setup", "restart"]) {
      const h = await gen([c, "--help"]);
      expect(h.exitCode).toBe(0);
      expect(h.stdout).toMatch(/^Usage: gen /);
    }
  });
});
