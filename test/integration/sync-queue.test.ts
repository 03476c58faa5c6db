/**
 * gen sync's queue without dbt: the DuckDB file is read and written directly in short transactions, so an idle
 * round starts no dbt process, and a real dbt run and the worker take turns on one file without either failing.
 */
import { execa } from "execa";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SyncQueue } from "../../generator/sync/queue.ts";
import { requireVenv, useProjects, useTempDirs, type Project } from "./harness.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const GEN = join(ROOT, "bin", "gen.js");
const tempDir = useTempDirs("gen-sync-queue-");

/** Every file under `dir` (the database too) with its size, mtime and content hash. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else {
        const st = statSync(path);
        const hash = createHash("sha256").update(readFileSync(path)).digest("hex");
        out[relative(dir, path)] = `${st.size} ${st.mtimeMs} ${hash}`;
      }
    }
  };
  walk(dir);
  return out;
}

describe("gen sync's DuckDB queue", { timeout: 240_000 }, () => {
  const build = useProjects();
  const queues: SyncQueue[] = [];
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
  });
  const queueOf = (project: Project) => {
    const q = SyncQueue.open(project.dir, project.plan.project.duckdbPath, project.env);
    queues.push(q);
    return q;
  };
  const runWorkflow = (project: Project) => project.dbt(["run", "--select", "stateful_policy_execution"]);

  it("idle rounds (--once, --every) and --status start no dbt process (a dbt that records its calls is never called)", async () => {
    requireVenv();
    const spec = join(tempDir(), "policy.yaml");
    writeFileSync(spec, readFileSync(join(ROOT, "specs", "policy.yaml"), "utf8"));
    const project = await build({ file: spec });
    expect((await runWorkflow(project)).exitCode).toBe(0);
    await project.exec("update gen_sync_queue set status = 'completed'");

    const calls = join(tempDir(), "dbt-calls");
    const recorder = join(tempDir(), "dbt");
    writeFileSync(recorder, `#!/bin/sh\necho "$@" >> '${calls}'\nexit 1\n`);
    chmodSync(recorder, 0o755);
    const gen = (args: string[]) =>
      execa("node", [GEN, "sync", spec, "-o", project.dir, ...args], {
        reject: false,
        env: {
          NO_COLOR: "1",
          GEN_DBT: recorder,
          SNOWFLAKE_ACCOUNT: "nowhere",
          SNOWFLAKE_USER: "nobody",
          SNOWFLAKE_PASSWORD: "unused",
        },
      });
    const idle = await gen(["--once"]);
    expect(idle.exitCode, idle.stderr).toBe(0);
    expect(idle.stderr).toMatch(/sync: nothing to upload/);
    const status = await gen(["--status", "--json"]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      counts: { pending: 0, processing: 0, completed: 1, failed: 0 },
    });

    // a long-running worker: one log line per round, a health file after each, a clean stop on SIGTERM
    const healthFile = join(tempDir(), "health.json");
    const worker = gen(["--every", "0.2", "--health", healthFile]);
    const deadline = Date.now() + 60_000;
    const rounds = () =>
      existsSync(healthFile)
        ? (JSON.parse(readFileSync(healthFile, "utf8")) as { rounds: number }).rounds
        : 0;
    while (rounds() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    worker.kill("SIGTERM");
    const stopped = await worker;
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/every 0.2 s/);
    expect(stopped.stderr).toMatch(/stopped syncing\n?$/);
    const roundLines = stopped.stderr.split("\n").filter((l) => / sync: /.test(l));
    expect(roundLines.length).toBeGreaterThanOrEqual(3);
    for (const line of roundLines) expect(line).toMatch(/^\d\d:\d\d:\d\d sync: nothing to upload$/);
    const health = JSON.parse(readFileSync(healthFile, "utf8"));
    expect(health).toMatchObject({
      rounds: expect.any(Number),
      last_round: { claimed: 0, synced: 0, failed: 0, busy: false },
      queue: { pending: 0, processing: 0, completed: 1, failed: 0 },
      last_error: null,
    });
    expect(Date.parse(health.last_round_at)).not.toBeNaN();

    expect(existsSync(calls) ? readFileSync(calls, "utf8") : "no dbt call").toBe("no dbt call");
  });

  it("--status, --status ID, --list and --failed read the spec and the database only: nothing is written, each prints JSON", async () => {
    requireVenv();
    const spec = join(tempDir(), "policy.yaml");
    writeFileSync(spec, readFileSync(join(ROOT, "specs", "policy.yaml"), "utf8"));
    const project = await build({ file: spec });
    expect((await runWorkflow(project)).exitCode).toBe(0);
    const [queued] = await project.query("select execution_id from gen_sync_queue");
    const id = String(queued?.execution_id);
    // a file gone from the project: a build would write it again, the queue commands leave it gone
    const model = Object.keys(snapshot(project.dir)).find((path) => path.startsWith("models/")) ?? "";
    expect(model).not.toBe("");
    rmSync(join(project.dir, model));
    const before = snapshot(project.dir);
    const gen = (out: string, args: string[]) =>
      execa("node", [GEN, "sync", spec, "-o", out, ...args], { reject: false, env: { NO_COLOR: "1" } });

    const status = await gen(project.dir, ["--status", "--json"]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      counts: { pending: 1, processing: 0, completed: 0, failed: 0 },
      failed: [],
      retrying: [],
    });
    const one = await gen(project.dir, ["--status", id, "--json"]);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ execution_id: id, status: "pending", retry_count: 0 });
    const list = await gen(project.dir, ["--list", "--json"]);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ status: null, limit: 50, items: [{ execution_id: id }] });
    const failed = await gen(project.dir, ["--failed", "--json"]);
    expect(failed.exitCode, failed.stderr).toBe(0);
    expect(JSON.parse(failed.stdout)).toEqual({ status: "failed", limit: 50, items: [] });
    for (const r of [status, one, list, failed]) expect(r.stderr).not.toMatch(/built/);
    expect(snapshot(project.dir)).toEqual(before);

    // a project that was never built: said so, and no directory or database is made
    const never = join(tempDir(), "never-built");
    const missing = await gen(never, ["--status", "--json"]);
    expect(missing.exitCode).not.toBe(0);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      ok: false,
      error: { code: "sync-queue", message: expect.stringMatching(/the database does not exist/) },
    });
    expect(existsSync(never)).toBe(false);
  });

  it("dbt runs and a busy worker alternate on one DuckDB file without either failing", async () => {
    requireVenv();
    const project = await build({ file: join(ROOT, "specs", "policy.yaml") });
    expect((await runWorkflow(project)).exitCode).toBe(0);
    const queue = queueOf(project);

    // the worker reads and writes the queue back to back, each request a short transaction of its own
    let stop = false;
    let requests = 0;
    const worker = (async () => {
      while (!stop) {
        await queue.counts(50, 120_000);
        await queue.retryFailed(undefined, 120_000);
        await queue.list({ limit: 10 }, 120_000);
        requests += 3;
      }
    })();
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const r = await runWorkflow(project);
      runs.push(r.exitCode === 0 ? 0 : r.output.split("\n").slice(-8).join("\n"));
    }
    stop = true;
    await worker;
    expect(runs).toEqual([0, 0, 0]);
    expect(requests).toBeGreaterThan(3);
    // the runs' executions are all queued, as the worker sees them
    const counts = await queue.counts(50, 10_000);
    expect(counts.counts.pending).toBe(4);
  });

  it("queues only the workflows the sync block selects and that do not say sync: false", async () => {
    requireVenv();
    const workflow = (name: string, extra = "") =>
      `  - { name: ${name}, modes: [stateful],${extra} steps: [{ name: make_policy, request: { connection: api, method: POST, path: /createpolicy, body: { policy_name: ${name} } } }] }`;
    const project = await build({
      name: "selective.yaml",
      text: [
        "version: 1",
        "project: { name: selective_sync, targets: [duckdb] }",
        'connections: { api: { base_url: "${env.SELECTIVE_API_URL:-http://127.0.0.1:1}" } }',
        "workflows:",
        workflow("listed"),
        workflow("opted_out", " sync: false,"),
        workflow("not_listed"),
        "sync: { schema: EDW.RESULTS, workflows: [listed, opted_out] }",
      ].join("\n"),
    });
    const run = await project.dbt(["run"]);
    expect(run.exitCode, run.output).toBe(0);
    // every workflow ran: one create each at the API
    expect(project.api.requests().filter((r) => r.endpoint === "create_policy")).toHaveLength(3);
    const queued = await project.query("select workflow from gen_sync_queue order by workflow");
    expect(queued).toEqual([{ workflow: "listed" }]);
    // and the listing the worker answers from says the same
    const listed = await queueOf(project).list({ limit: 10 }, 60_000);
    expect(JSON.stringify(listed)).toContain("listed");
    expect(JSON.stringify(listed)).not.toMatch(/opted_out|not_listed/);
  });
});
