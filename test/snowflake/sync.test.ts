/**
 * `gen sync` (seed 004) end to end: workflows run by real dbt on DuckDB queue their finished executions, and the
 * sync uploads them with the real snowflake-sdk to fakesnow's server (Snowflake's REST protocol, emulated on
 * DuckDB; fakesnow_server.py). What lands in "Snowflake" is read back over the same protocol.
 */
import { execa } from "execa";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectAsync,
  createConnection,
  destroyAsync,
  executeAsync,
} from "../../generator/snowflake/client.ts";
import {
  syncBackfill,
  syncRetryFailed,
  syncRound,
  syncStatus,
  SyncQueue,
  type RoundResult,
} from "../../generator/sync/index.ts";
import { ATTEMPT_KEY, createTableSql, mergeSql, STATE_KEY } from "../../generator/sync/sql.ts";
import { PYTHON, requireVenv, useProjects, type Project } from "../integration/harness.ts";
import {
  build as buildForSnowflake,
  connectionEnv,
  FANOUT_SPEC,
  HERE,
  ROOT,
  removeTempDirs,
  SPECS,
  startFakesnow,
  tempDir,
  type FakesnowServer,
} from "./helpers.ts";

afterAll(removeTempDirs);

const PASSWORD = "sync-Passw0rd-never-printed";
const policy = readFileSync("specs/policy.yaml", "utf8");

/** A fakesnow connection as gen sync makes it (the password is distinctive, to look for it in outputs). */
function snowflakeEnv(port: number): Record<string, string> {
  return { ...connectionEnv(port), SNOWFLAKE_PASSWORD: PASSWORD };
}

async function snowflakeQuery(port: number, sql: string): Promise<Record<string, unknown>[]> {
  const env = snowflakeEnv(port);
  const c = await createConnection({
    options: {
      account: env.SNOWFLAKE_ACCOUNT!,
      username: env.SNOWFLAKE_USER!,
      password: PASSWORD,
      accessUrl: `http://127.0.0.1:${port}`,
      database: "EDW",
      schema: "PUBLIC",
    },
    source: "test",
  });
  await connectAsync(c);
  try {
    return await executeAsync(c, sql);
  } finally {
    await destroyAsync(c);
  }
}

describe("gen sync: its statements in sqlglot's Snowflake dialect", () => {
  it("parses the CREATE TABLEs and MERGEs of the policy spec as such", { timeout: 60_000 }, async () => {
    requireVenv();
    const sync = buildForSnowflake({ file: SPECS[0] as string }).plan.project.sync!;
    const statements = sync.tables.flatMap((t) => [
      createTableSql(t.state.target, t.state.columns),
      createTableSql(t.attempts.target, t.attempts.columns),
      mergeSql(t.state.target, t.state.columns, STATE_KEY),
      mergeSql(t.attempts.target, t.attempts.columns, ATTEMPT_KEY),
      // all attempts of an execution in one statement
      mergeSql(t.attempts.target, t.attempts.columns, ATTEMPT_KEY, 3),
    ]);
    const file = join(tempDir("gen-sync-glot-"), "statements.json");
    writeFileSync(file, JSON.stringify(statements));
    const r = await execa(PYTHON, [join(HERE, "sqlglot_check.py"), file], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { type: "Create" },
      { type: "Create" },
      { type: "Merge" },
      { type: "Merge" },
      { type: "Merge" },
    ]);
  });
});

describe("gen sync to Snowflake (fakesnow server, snowflake-sdk)", { timeout: 240_000 }, () => {
  const build = useProjects();
  let server: FakesnowServer;

  beforeAll(async () => {
    server = await startFakesnow([]);
    await snowflakeQuery(server.port, "CREATE SCHEMA IF NOT EXISTS EDW.WORKFLOW_RESULTS");
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  const queues: SyncQueue[] = [];
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
  });
  /** The project's queue, as gen sync opens it (the DuckDB file directly, no dbt). */
  const queueOf = (project: Project) => {
    const q = SyncQueue.open(project.dir, project.plan.project.duckdbPath, project.env);
    queues.push(q);
    return q;
  };

  const run = async (project: Project) => {
    const r = await project.dbt(["run", "--select", "stateful_policy_execution"]);
    return r.exitCode;
  };

  it("uploads every finished execution, completed or failed, with its attempts; a second sync adds nothing", async () => {
    const project = await build({ file: "specs/policy.yaml" });
    const plan = project.plan.project.sync!;
    expect(plan.tables[0]!.state.target).toBe("EDW.WORKFLOW_RESULTS.POLICY_EXECUTION_STATE");
    expect(await run(project)).toBe(0);
    expect(await run(project)).toBe(0);
    project.api.setScenario({ terminalFailure: true });
    expect(await run(project)).not.toBe(0); // a failed execution is finished too, and queued

    const queued = await project.query("select status, retry_count from gen_sync_queue");
    expect(queued).toEqual(Array(3).fill({ status: "pending", retry_count: 0 }));

    const env = { ...project.env, ...snowflakeEnv(server.port) };
    const round = await syncRound(queueOf(project), plan, { env });
    expect(round).toMatchObject({ claimed: 3, synced: 3, failed: 0 });

    const local = await project.query(
      "select execution_id, status, policy_id, poll_count, completed, error_message, api_response from policy_execution_state order by execution_id",
    );
    const remote = await snowflakeQuery(
      server.port,
      "select execution_id, status, policy_id, poll_count, completed, error_message, api_response, synced_at from EDW.WORKFLOW_RESULTS.POLICY_EXECUTION_STATE order by execution_id",
    );
    expect(remote.map((r) => r.SYNCED_AT)).not.toContain(null);
    expect(
      remote.map((r) => ({
        execution_id: r.EXECUTION_ID,
        status: r.STATUS,
        policy_id: r.POLICY_ID,
        poll_count: r.POLL_COUNT,
        completed: r.COMPLETED,
        error_message: r.ERROR_MESSAGE,
        api_response: r.API_RESPONSE,
      })),
    ).toEqual(local.map((l) => ({ ...l, api_response: JSON.parse(String(l.api_response)) })));
    expect(local.map((l) => l.status).sort()).toEqual(["completed", "completed", "error"]);

    const attempts = async () =>
      (
        await snowflakeQuery(
          server.port,
          "select count(*) as n from EDW.WORKFLOW_RESULTS.POLICY_EXECUTION_ATTEMPTS",
        )
      )[0]?.N;
    const [localAttempts] = await project.query("select count(*) as n from policy_execution_attempts");
    // the attempt columns sync uploads are exactly those the runtime created
    const attemptColumns = await project.query(
      "select column_name from information_schema.columns where table_name = 'policy_execution_attempts' order by ordinal_position",
    );
    expect(attemptColumns.map((c) => c.column_name)).toEqual(
      plan.tables[0]!.attempts.columns.map((c) => c.name),
    );
    expect(await attempts()).toBe(localAttempts!.n);
    expect(await project.query("select distinct status from gen_sync_queue")).toEqual([
      { status: "completed" },
    ]);
    expect(await syncRound(queueOf(project), plan, { env })).toMatchObject({ claimed: 0 });

    // a backfill queues what is missing from the queue; the MERGE updates the row, never duplicates it
    await project.exec(
      "delete from gen_sync_queue where execution_id = (select min(execution_id) from gen_sync_queue)",
    );
    expect(await syncBackfill(project.dir, project.env)).toHaveLength(1);
    expect(await syncRound(queueOf(project), plan, { env })).toMatchObject({ claimed: 1, synced: 1 });
    const [{ N: rows }] = (await snowflakeQuery(
      server.port,
      "select count(*) as n from EDW.WORKFLOW_RESULTS.POLICY_EXECUTION_STATE",
    )) as [{ N: number }];
    expect(rows).toBe(3);
    expect(await attempts()).toBe(localAttempts!.n);

    const status = await syncStatus(queueOf(project));
    expect(status.counts).toEqual({ pending: 0, processing: 0, completed: 3, failed: 0 });
    const summary = await project.dbt([
      "run",
      "--select",
      "gen_sync_queue_summary",
      "gen_sync_failures",
      "gen_sync_executions",
    ]);
    expect(summary.exitCode, summary.output).toBe(0);
    expect(await project.query("select status, items from gen_sync_queue_summary")).toEqual([
      { status: "completed", items: 3 },
    ]);
    // the local record of each sync, joined to the state rows
    const joined = await project.query(
      "select s.execution_id, e.sync_status, e.synced_at from policy_execution_state s join gen_sync_executions e using (execution_id)",
    );
    expect(joined).toHaveLength(3);
    for (const row of joined)
      expect(row).toMatchObject({ sync_status: "completed", synced_at: expect.any(String) });
  });

  it("an unreachable Snowflake is retried with a delay, then the item fails; --retry-failed queues it again", async () => {
    const text = policy.replace(
      "  max_retries: 3\n  interval_s: 30",
      "  max_retries: 2\n  backoff_s: 0\n  interval_s: 30",
    );
    expect(text).toContain("max_retries: 2\n  backoff_s: 0");
    const project = await build({ text, name: "policy.yaml" });
    const plan = project.plan.project.sync!;
    expect(await run(project)).toBe(0);

    // nothing listens on this port: the login fails at once (no driver retries)
    const down = { ...project.env, ...snowflakeEnv(server.port), SNOWFLAKE_PORT: "9" };
    const rounds: RoundResult[] = [];
    for (let i = 0; i < 2; i++)
      rounds.push(await syncRound(queueOf(project), plan, { env: down, loginRetries: 0 }));
    expect(rounds.map((r) => [r.claimed, r.failed])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(rounds[0]!.items[0]!.error).toMatch(/^cannot reach Snowflake: .*ECONNREFUSED/);
    const [item] = await project.query("select status, retry_count, error_message from gen_sync_queue");
    expect(item).toMatchObject({ status: "failed", retry_count: 2 });
    expect(String(item!.error_message)).toMatch(/cannot reach Snowflake/);

    const status = await syncStatus(queueOf(project));
    expect(status.counts.failed).toBe(1);
    expect(status.failed[0]).toMatchObject({ retry_count: 2, workflow: "policy_execution" });
    // a failed item is not claimed again until it is retried
    expect(await syncRound(queueOf(project), plan, { env: down, loginRetries: 0 })).toMatchObject({
      claimed: 0,
    });

    await syncRetryFailed(queueOf(project));
    const up = { ...project.env, ...snowflakeEnv(server.port) };
    expect(await syncRound(queueOf(project), plan, { env: up })).toMatchObject({ claimed: 1, synced: 1 });
    const all = JSON.stringify([rounds, status, await project.query("select * from gen_sync_queue")]);
    expect(all).not.toContain(PASSWORD);
  });

  it("gen sync --once / --status as a user runs them: exit codes, progress, no password anywhere", async () => {
    // a backoff no slow machine outlasts between the failed round and the early one below
    const spec = join(tempDir("gen-sync-cli-"), "policy.yaml");
    writeFileSync(
      spec,
      readFileSync(join(ROOT, "specs", "policy.yaml"), "utf8").replace(
        /^sync:\n/m,
        "sync:\n  backoff_s: 3600\n",
      ),
    );
    const project = await build({ file: spec });
    expect(await run(project)).toBe(0);
    const gen = (args: string[], env: Record<string, string>) =>
      execa("node", [join(ROOT, "bin", "gen.js"), "sync", spec, "-o", project.dir, ...args], {
        reject: false,
        env: { NO_COLOR: "1", ...env },
      });
    const down = await gen(["--once"], { ...snowflakeEnv(server.port), SNOWFLAKE_PORT: "9" });
    expect(down.exitCode, down.stderr).toBe(5);
    expect(down.stderr).toMatch(/sync: 1 claimed, 0 synced, 1 failed/);
    expect(down.stderr).toMatch(/cannot reach Snowflake: .*\(try 1 of 3\)/);
    const status = await gen(["--status", "--json"], {});
    expect(status.exitCode, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      counts: { pending: 1, failed: 0 },
      retrying: [{ retry_count: 1 }],
    });
    for (const out of [down.stdout, down.stderr, status.stdout, status.stderr])
      expect(out).not.toContain(PASSWORD);
    // the listings and one execution's status, as JSON
    const [{ execution_id: id }] = (await project.query("select execution_id from gen_sync_queue")) as [
      { execution_id: string },
    ];
    const pending = await gen(["--list", "pending", "--limit", "5", "--json"], {});
    expect(pending.exitCode, pending.stderr).toBe(0);
    expect(JSON.parse(pending.stdout)).toMatchObject({
      status: "pending",
      limit: 5,
      items: [{ execution_id: id, status: "pending", retry_count: 1, processed_at: null }],
    });
    const failed = await gen(["--failed", "--limit", "1", "--json"], {});
    expect(JSON.parse(failed.stdout)).toEqual({ status: "failed", limit: 1, items: [] });
    const one = await gen(["--status", id, "--json"], {});
    expect(one.exitCode, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ execution_id: id, status: "pending", retry_count: 1 });
    expect(String(JSON.parse(one.stdout).error_message)).toMatch(/cannot reach Snowflake/);
    const unknown = await gen(["--status", "no-such-execution"], {});
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/no-such-execution is not in the sync queue/);
    // the retry is not due before backoff_s: nothing to upload yet
    const early = await gen(["--once"], snowflakeEnv(server.port));
    expect(early.exitCode, early.stderr).toBe(0);
    expect(early.stderr).toMatch(/sync: nothing to upload/);
  });

  it("the Snowflake tables follow the spec: a column added since they were made is added (ALTER TABLE)", async () => {
    const text = policy.replace("schema: EDW.WORKFLOW_RESULTS", "schema: EDW.EVOLVING");
    expect(text).toContain("schema: EDW.EVOLVING");
    const project = await build({ text, name: "policy.yaml" });
    const plan = project.plan.project.sync!;
    const { state, attempts } = plan.tables[0]!;
    // the tables as an older spec made them: without poll_count and without the last attempt column
    const droppedState = state.columns.find((c) => c.name === "poll_count")!;
    const droppedAttempt = attempts.columns.at(-1)!;
    await snowflakeQuery(server.port, "CREATE SCHEMA IF NOT EXISTS EDW.EVOLVING");
    await snowflakeQuery(
      server.port,
      createTableSql(
        state.target,
        state.columns.filter((c) => c !== droppedState),
      ),
    );
    await snowflakeQuery(server.port, createTableSql(attempts.target, attempts.columns.slice(0, -1)));
    expect(await run(project)).toBe(0);

    const env = { ...project.env, ...snowflakeEnv(server.port) };
    expect(await syncRound(queueOf(project), plan, { env })).toMatchObject({ claimed: 1, synced: 1 });
    const columns = async (target: string) =>
      (await snowflakeQuery(server.port, `DESCRIBE TABLE ${target}`)).map((r) =>
        String(r.name ?? r.NAME).toLowerCase(),
      );
    expect(await columns(state.target)).toContain(droppedState.name);
    expect(await columns(attempts.target)).toContain(droppedAttempt.name);
    // the added columns carry the synced values
    const [local] = await project.query(`select ${droppedState.name} as v from ${state.source}`);
    const [remote] = await snowflakeQuery(
      server.port,
      `select ${droppedState.name} as v from ${state.target}`,
    );
    expect(local?.v).toBeGreaterThan(0);
    expect(Number(remote?.V)).toBe(local?.v);
  });

  it("for_each: the rows a run finishes are queued in one statement and uploaded with their key", async () => {
    const spec = FANOUT_SPEC.replace("workflows:", "sync: { schema: EDW.WORKFLOW_RESULTS }\nworkflows:");
    const project = await build(
      { text: spec, name: "fanout_sync.yaml" },
      { rejectBodyContaining: "policy-3" },
    );
    writeFileSync(
      join(project.dir, "models", "active_customers.sql"),
      "select i as customer_id, 'gold' as tier from range(1, 6) as t(i)\n",
    );
    expect((await project.dbt(["run"])).exitCode).not.toBe(0); // customer 3's create is refused
    const queued = await project.query("select count(*) as n from gen_sync_queue");
    expect(queued).toEqual([{ n: 5 }]);

    const plan = project.plan.project.sync!;
    const round = await syncRound(queueOf(project), plan, {
      env: { ...project.env, ...snowflakeEnv(server.port) },
    });
    expect(round).toMatchObject({ claimed: 5, synced: 5, failed: 0 });
    const remote = await snowflakeQuery(
      server.port,
      "select customer_id, status from EDW.WORKFLOW_RESULTS.CUSTOMER_POLICY_STATE order by customer_id",
    );
    expect(remote.map((r) => [r.CUSTOMER_ID, r.STATUS])).toEqual([
      ["1", "completed"],
      ["2", "completed"],
      ["3", "error"],
      ["4", "completed"],
      ["5", "completed"],
    ]);
  });

  it("a spec without a sync block has no queue and no enqueue in its runtime", async () => {
    const at = policy.indexOf("\nsync:");
    expect(at).toBeGreaterThan(0);
    const without = policy.slice(0, at); // the sync block and what follows it (alerts) left out
    const project = await build({ text: without + "\n", name: "policy.yaml" });
    expect(project.plan.project.sync).toBeNull();
    expect(await run(project)).toBe(0);
    expect(await project.tables()).not.toContain("gen_sync_queue");
  });
});
