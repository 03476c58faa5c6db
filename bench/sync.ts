/**
 * `npm run bench:sync`: what `gen sync` costs (figures vary with the machine's load, printed with them).
 *   (a) an idle round (nothing due): wall ms, and CPU ms of gen and of its DuckDB queue helper together
 *   (b) `gen sync --status --json`, `--status ID` and `--list` as a user runs them (a new process each, over a
 *       queue of 1,001 executions): wall ms, and CPU ms of gen and its helper
 *   (c) 1,000 queued executions with 5 attempts each uploaded to fakesnow's Snowflake server by one
 *       `gen sync --once` (concurrency 5): wall time and rows per second
 * Goals: (a) under 100 ms wall and 50 ms CPU, (b) under 300 ms wall.
 * `npm run bench:sync -- --status-only`: (b) alone, without fakesnow (a queue of pending executions).
 */
import { execa } from "execa";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { GEN_HOME, runDbt, VENV_DIR } from "../generator/dbt/index.ts";
import { startMockApi } from "../generator/mockapi/index.ts";
import { compileSpec } from "../generator/pipeline.ts";
import { connectAsync, createConnection, destroyAsync, executeAsync } from "../generator/snowflake/client.ts";
import { syncRound } from "../generator/sync/index.ts";
import { DuckdbQueueClient, duckdbFile, SyncQueue } from "../generator/sync/queue.ts";
import { writeOutput } from "../generator/write/index.ts";

const EXECUTIONS = 1_000;
const ATTEMPTS = 5;
const IDLE_ROUNDS = 20;
const STATUS_RUNS = 7;
const STATUS_ONLY = process.argv.includes("--status-only");
const PYTHON = join(VENV_DIR, "bin", "python");
const GEN = join(GEN_HOME, "bin", "gen.js");

const say = (line = "") => process.stdout.write(line + "\n");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
const load = () => loadavg()[0]?.toFixed(2) ?? "?";

/** user + system CPU ms of a process, from /proc (Linux); `children`: of its children that have ended. */
function processCpuMs(pid: number | "self" | undefined, children = false): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const [user, system] = children ? [fields[13], fields[14]] : [fields[11], fields[12]];
  return ((Number(user) + Number(system)) * 1000) / 100; // utime, stime (cutime, cstime) in clock ticks (USER_HZ 100)
}

/** `gen sync <args>` as a user runs it, STATUS_RUNS times: median wall and CPU ms (gen and its helper). */
async function timeCommand(args: string[]): Promise<{ wall: number; cpu: number; stdout: string }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  let stdout = "";
  for (let i = 0; i < STATUS_RUNS; i++) {
    const cpu0 = processCpuMs("self", true);
    const t0 = performance.now();
    const r = await execa("node", [GEN, "sync", ...args], { reject: false, env: { NO_COLOR: "1" } });
    walls.push(performance.now() - t0);
    cpus.push(processCpuMs("self", true) - cpu0);
    if (r.exitCode !== 0) throw new Error(`gen sync ${args.join(" ")} failed:\n${r.stderr}`);
    stdout = r.stdout;
  }
  return { wall: median(walls), cpu: median(cpus), stdout };
}

async function startFakesnow(): Promise<{ port: number; stop: () => Promise<void> }> {
  const log = join(work, "fakesnow.jsonl");
  writeFileSync(log, "");
  const server = join(GEN_HOME, "test", "snowflake", "fakesnow_server.py");
  const child = execa(PYTHON, [server, JSON.stringify({ log, nop_regexes: [] })], {
    stdin: "pipe",
    reject: false,
    all: true,
  });
  const port = await new Promise<number>((done, fail) => {
    let seen = "";
    child.all?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /READY (\d+)/.exec(seen);
      if (m) done(Number(m[1]));
    });
    void child.then(() => fail(new Error(`fakesnow server exited:\n${seen}`)));
  });
  return {
    port,
    stop: async () => {
      child.stdin?.end();
      await child;
    },
  };
}

const work = mkdtempSync(join(tmpdir(), "gen-bench-sync-"));
try {
  say(`gen sync bench (load ${load()})`);
  // gen as a user runs it: the bundle (bin/gen.js falls back to compiling the sources when it is stale)
  await execa("node", [join(GEN_HOME, "scripts", "bundle.mjs")]);
  const spec = join(work, "policy.yaml");
  const text = readFileSync(join(GEN_HOME, "specs", "policy.yaml"), "utf8").replace(
    /^sync:\n/m,
    `sync:\n  batch_size: ${EXECUTIONS + 10}\n`,
  );
  writeFileSync(spec, text);
  const out = join(work, "project");
  const compiled = compileSpec(text, "policy.yaml", { targets: ["duckdb"] });
  if (!compiled.plan || !compiled.files) throw new Error("the bench spec does not compile");
  writeOutput(out, compiled.files);
  const plan = compiled.plan.project.sync!;
  const table = plan.tables[0]!;

  // one real execution (mock API), so the queue, state and attempt tables are the runtime's own
  const api = await startMockApi({ port: 0 });
  const env: NodeJS.ProcessEnv = {};
  for (const v of compiled.plan.project.envVars) env[v.name] = api.url;
  for (const s of compiled.plan.project.secrets) env[s] = "bench-secret";
  say("building the queue: one real execution, then 1,000 copies ...");
  const run = await runDbt(out, ["run", "--select", "stateful_policy_execution"], { env });
  await api.close();
  if (run.exitCode !== 0) throw new Error(`dbt run failed:\n${run.output}`);

  // 1,000 copies of it, each with 5 attempts, queued
  const db = duckdbFile(out, compiled.plan.project.duckdbPath, process.env);
  const seed = `
import duckdb, sys
n, attempts = int(sys.argv[2]), int(sys.argv[3])
c = duckdb.connect(sys.argv[1])
c.execute("create temp table ids as select 'bench-' || lpad(i::varchar, 5, '0') as id from range(?) t(i)", [n])
c.execute("create temp table s as select * from ${table.state.source} limit 1")
c.execute("insert into ${table.state.source} select s.* replace (ids.id as execution_id) from s, ids")
c.execute("create temp table a as select * from ${table.attempts.source} limit 1")
c.execute("insert into ${table.attempts.source} select a.* replace (ids.id as execution_id, k.k as attempt) from a, ids, range(?) k(k)", [attempts])
c.execute("insert into gen_sync_queue (execution_id, workflow, status, retry_count, max_retries, created_at, updated_at) select id, '${table.workflow}', 'pending', 0, 3, now()::timestamp, now()::timestamp from ids")
c.close()
`;
  await execa(PYTHON, ["-c", seed, db, String(EXECUTIONS), String(ATTEMPTS)]);

  if (!STATUS_ONLY) await uploadAndIdle();

  // (b) the queue commands as a user runs them: the spec's plan, then one read of the database
  const one = "bench-00042";
  for (const [what, args] of [
    ["--status", ["--status", "--json"]],
    ["--status ID", ["--status", one, "--json"]],
    ["--list", ["--list", "--json"]],
  ] as const) {
    const r = await timeCommand([spec, "-o", out, ...args]);
    JSON.parse(r.stdout); // each answers one JSON document
    say(
      `${what}: ${Math.round(r.wall)} ms wall, ${Math.round(r.cpu)} ms CPU (median of ${STATUS_RUNS}; goal < 300 wall)`,
    );
  }
  say(`(load ${load()})`);

  async function uploadAndIdle(): Promise<void> {
    // (c) one --once uploads them all
    const fakesnow = await startFakesnow();
    const sfEnv = {
      SNOWFLAKE_ACCOUNT: "fakesnow",
      SNOWFLAKE_USER: "fake",
      SNOWFLAKE_PASSWORD: "snow",
      SNOWFLAKE_HOST: "127.0.0.1",
      SNOWFLAKE_PORT: String(fakesnow.port),
      SNOWFLAKE_PROTOCOL: "http",
      SNOWFLAKE_DATABASE: "EDW",
      SNOWFLAKE_SCHEMA: "PUBLIC",
    };
    const client = new DuckdbQueueClient();
    const queue = new SyncQueue(db, client);
    try {
      const sf = await createConnection({
        options: {
          account: "fakesnow",
          username: "fake",
          password: "snow",
          accessUrl: `http://127.0.0.1:${fakesnow.port}`,
          database: "EDW",
          schema: "PUBLIC",
        },
        source: "bench",
      });
      await connectAsync(sf);
      await executeAsync(sf, "CREATE SCHEMA IF NOT EXISTS EDW.WORKFLOW_RESULTS");
      await destroyAsync(sf);
      say("uploading ...");
      const started = performance.now();
      const once = await execa("node", [GEN, "sync", spec, "-o", out, "--once", "--json"], {
        reject: false,
        env: { NO_COLOR: "1", ...sfEnv },
      });
      const uploadMs = performance.now() - started;
      if (once.exitCode !== 0) throw new Error(`gen sync --once failed:\n${once.stderr}`);
      const round = JSON.parse(once.stdout.trim().split("\n").pop() ?? "{}") as {
        synced: number;
        items: { rows: number }[];
      };
      const rows = round.items.reduce((n, i) => n + i.rows, 0);
      say(
        `upload: ${round.synced} executions, ${rows} rows in one --once (concurrency ${plan.concurrency}): ` +
          `${(uploadMs / 1000).toFixed(1)} s, ${Math.round(rows / (uploadMs / 1000))} rows/s`,
      );

      // (a) idle rounds: nothing is due any more
      const walls: number[] = [];
      const cpus: number[] = [];
      await syncRound(queue, plan, { env: { ...process.env, ...sfEnv } }); // warm
      for (let i = 0; i < IDLE_ROUNDS; i++) {
        const cpu0 = process.cpuUsage();
        const helper0 = processCpuMs(client.pid);
        const t0 = performance.now();
        const r = await syncRound(queue, plan, { env: { ...process.env, ...sfEnv } });
        walls.push(performance.now() - t0);
        const cpu = process.cpuUsage(cpu0);
        cpus.push((cpu.user + cpu.system) / 1000 + processCpuMs(client.pid) - helper0);
        if (r.claimed !== 0) throw new Error("an idle round claimed something");
      }
      say(
        `idle round: ${median(walls).toFixed(1)} ms wall, ${median(cpus).toFixed(1)} ms CPU (median of ${IDLE_ROUNDS}; goal < 100 / < 50)`,
      );
    } finally {
      await client.close();
      await fakesnow.stop();
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
