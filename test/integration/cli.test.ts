import { execa } from "execa";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VENV_DIR } from "../../generator/dbt/index.ts";
import { requireVenv, useProjects, useTempDirs } from "./harness.ts";

const gen = (args: string[], cwd?: string, env: NodeJS.ProcessEnv = {}) =>
  execa("node", [join(process.cwd(), "bin/gen.js"), ...args], {
    reject: false,
    cwd,
    env: { NO_COLOR: "1", ...env },
  });

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

  it("init names the project after the file, past the names of the specs next to it; one directory, one spec", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "existing.yaml"),
      readFileSync(join(process.cwd(), "specs/policy.yaml"), "utf8").replace(
        /^(\s+name: )policy_workflows/m,
        "$1orders_workflows",
      ),
    );
    const first = await gen(["init", "orders.yaml"], dir);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain("(project orders_workflows_2)");
    expect(readFileSync(join(dir, "orders.yaml"), "utf8")).toMatch(/^\s+name: orders_workflows_2\b/m);
    // both build, each into its own project
    const both = await gen(["build", "existing.yaml", "orders.yaml", "-o", "out"], dir);
    expect(both.exitCode, both.stderr).toBe(0);
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["orders_workflows", "orders_workflows_2"]);
    // a second spec with the project name of the first, built on its own, is refused: nothing is overwritten
    writeFileSync(join(dir, "copy.yaml"), readFileSync(join(dir, "existing.yaml"), "utf8"));
    const before = readFileSync(join(dir, "out", "orders_workflows", "dbt_project.yml"), "utf8");
    const copy = await gen(["build", "copy.yaml", "-o", "out/orders_workflows", "--json"], dir);
    expect(copy.exitCode).toBe(1);
    expect(JSON.parse(copy.stdout)).toMatchObject({ ok: false, diagnostics: [{ code: "output-collision" }] });
    expect(copy.stderr).toMatch(
      /generated from existing\.yaml: building copy\.yaml there would overwrite it/,
    );
    expect(readFileSync(join(dir, "out", "orders_workflows", "dbt_project.yml"), "utf8")).toBe(before);
    // the spec that made it builds there again
    expect((await gen(["build", "existing.yaml", "-o", "out/orders_workflows"], dir)).exitCode).toBe(0);
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
        // the run is keyed by its command, so that its failure plans the retry of this command only
        args: ["build", "--vars", JSON.stringify({ gen_restart_key: "build", gen_restart_retry: 0 })],
        exit_code: null,
      });
      expect(plan.stderr).toContain("restart plan: full build: no earlier run of build in DBT_RUN_LOG");
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
  }, 90_000); // a dozen CLI processes: on a loaded 2-core machine they took over 30 s

  it(
    "--json prints JSON on stdout for every failure of every command that has it, exit codes unchanged",
    { timeout: 180_000 },
    async () => {
      const dir = tempDir();
      writeFileSync(join(dir, "yaml.yaml"), "version: 1\nproject: [\n");
      writeFileSync(
        join(dir, "invalid.yaml"),
        readFileSync("specs/policy.yaml", "utf8").replace("connection: policy_api", "connection: policy_apl"),
      );
      const kinds = [
        { file: "missing.yaml", exit: 2, code: "spec-not-found", located: false },
        { file: "yaml.yaml", exit: 1, code: "yaml-syntax", located: true },
        { file: "invalid.yaml", exit: 1, code: "unknown-connection", located: true },
      ];
      const commands = [
        ["build"],
        ["validate"],
        ["run"],
        ["restart"],
        ["sync"],
        ["deploy"],
        ["deploy", "--check"],
      ];
      const runs = commands.flatMap((command) =>
        kinds.map(async (kind) => ({ command, kind, r: await gen([...command, kind.file, "--json"], dir) })),
      );
      for (const { command, kind, r } of await Promise.all(runs)) {
        const what = `gen ${command.join(" ")} ${kind.file}`;
        expect(r.exitCode, what).toBe(kind.exit);
        const json = JSON.parse(r.stdout) as {
          ok: boolean;
          diagnostics: { code: string; location?: object }[];
        };
        expect(json.ok, what).toBe(false);
        const first = json.diagnostics.find((d) => d.code === kind.code || command[0] === "deploy");
        expect(first, what).toBeDefined();
        if (kind.located) expect(first?.location, what).toMatchObject({ file: kind.file });
      }
      // a runtime failure: dbt cannot be found
      const noDbt = await gen(
        ["run", "specs/policy.yaml", "--mock-api", "--json", "-o", join(dir, "out")],
        undefined,
        {
          GEN_DBT: join(dir, "no-dbt"),
        },
      );
      expect(noDbt.exitCode).toBe(2);
      expect(JSON.parse(noDbt.stdout)).toMatchObject({
        ok: false,
        exit_code: 2,
        error: { code: "dbt-not-found" },
      });
    },
  );

  it("gen validate DIR validates every spec in it, as gen watch DIR watches them", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "specs", "nested"), { recursive: true });
    writeFileSync(join(dir, "specs", "a.yaml"), readFileSync("specs/policy.yaml", "utf8"));
    writeFileSync(
      join(dir, "specs", "nested", "b.yml"),
      readFileSync("specs/policy.yaml", "utf8").replace("connection: policy_api", "connection: policy_apl"),
    );
    writeFileSync(join(dir, "specs", "notes.yaml"), "title: not a spec\n");
    const r = await gen(["validate", "specs", "--json"], dir);
    expect(r.exitCode).toBe(1);
    const { diagnostics } = JSON.parse(r.stdout) as { diagnostics: { location: { file: string } }[] };
    expect(new Set(diagnostics.map((d) => d.location.file))).toEqual(
      new Set([join("specs", "nested", "b.yml")]),
    );
    const plain = await gen(["validate", "specs"], dir);
    expect(plain.stderr).toContain(`${join("specs", "a.yaml")}: valid`);
    expect(plain.stderr).not.toContain("notes.yaml");
  });

  it("gen run names a secret or env var that is not set, where the spec uses it, before dbt starts", async () => {
    const dir = tempDir();
    const spec = readFileSync("specs/policy.yaml", "utf8").replace(
      "${env.POLICY_API_ENDPOINT:-https://dbttest.free.beeceptor.com}",
      "${env.POLICY_API_ENDPOINT}",
    );
    writeFileSync(join(dir, "policy.yaml"), spec);
    const lineOf = (text: string) => spec.split("\n").findIndex((l) => l.includes(text)) + 1;
    const r = await gen(["run", "policy.yaml", "-o", "out", "--json"], dir, {
      POLICY_API_KEY: "",
      POLICY_API_ENDPOINT: "",
    });
    expect(r.exitCode, r.stderr).toBe(2);
    const json = JSON.parse(r.stdout) as {
      diagnostics: { message: string; hint: string; location: { line: number } }[];
    };
    expect(json.diagnostics.map((d) => [d.message, d.location.line])).toEqual([
      ["secret POLICY_API_KEY is not set", lineOf("${secret.POLICY_API_KEY}")],
      [
        "environment variable POLICY_API_ENDPOINT is not set (${env.POLICY_API_ENDPOINT} has no default)",
        lineOf("${env.POLICY_API_ENDPOINT}"),
      ],
    ]);
    expect(json.diagnostics[0]?.hint).toMatch(/^connections\.policy_api\.auth\.token needs it/);
    expect(existsSync(join(dir, "out", "gen.duckdb"))).toBe(false); // dbt never started
    // set, it runs (the key's value is the mock's token)
    const ok = await gen(["run", "policy.yaml", "-o", "out", "--mock-api", "--json"], dir, {
      POLICY_API_KEY: "",
    });
    expect(ok.exitCode, ok.stderr).toBe(0);
  }, 180_000);

  it(
    "gen run prints the state table of a failed run from the database, with no second dbt",
    { timeout: 180_000 },
    async () => {
      requireVenv();
      const out = join(tempDir(), "project");
      const r = await gen([
        "run",
        "specs/policy.yaml",
        "--mock-api",
        "--scenario",
        "terminal-failure",
        "--mode",
        "stateful",
        "-o",
        out,
      ]);
      expect(r.exitCode).toBe(3);
      const id = /policy_execution \(stateful\) (exec_\S+): error/.exec(r.stderr)?.[1];
      expect(id, r.stderr).toBeDefined();
      expect(r.stderr).toContain("policy_execution_state (latest executions of policy_execution)");
      expect(r.stderr).toMatch(new RegExp(`^  ${id} +error +poll_policy_status +1 +1 +false `, "m"));
      // one dbt invocation: its "Running with dbt" banner once
      expect(r.stderr.match(/Running with dbt=/g)).toHaveLength(1);
    },
  );
});

describe("the gen-summary lines", () => {
  const project = useProjects();
  it("appear when gen runs dbt, not in a user's plain dbt run", { timeout: 180_000 }, async () => {
    const p = await project({ file: "specs/policy.yaml" });
    const plain = await execa(
      join(VENV_DIR, "bin", "dbt"),
      ["run", "--project-dir", ".", "--profiles-dir", "."],
      {
        cwd: p.dir,
        env: { ...p.env, DBT_USE_COLORS: "false" },
        reject: false,
      },
    );
    expect(plain.exitCode, plain.stdout).toBe(0);
    expect(plain.stdout).toMatch(/gen \| policy_execution exec_\S+ \| completed/);
    expect(plain.stdout).not.toContain("gen-summary");
    const byGen = await p.dbt(["run"]);
    expect(byGen.exitCode).toBe(0);
    expect(byGen.output).toContain("gen-summary {");
    expect(byGen.summaries.map((s) => `${s.mode}:${s.status}`).sort()).toEqual([
      "stateful:completed",
      "stateless:completed",
    ]);
  });
});
