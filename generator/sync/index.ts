/**
 * `gen sync`: uploads the finished executions queued by the runtime (gen_sync_queue) to Snowflake, with retries
 * (seed 004). One round: claim a batch from the project (dbt run-operation gen_sync_claim: the state row and
 * attempt rows of each item), MERGE them into Snowflake with snowflake-sdk, a few at a time, then record each
 * outcome (gen_sync_finish: completed, or pending again after a delay, failed after max_retries). The queue
 * lives in the project's own database, so it works from DuckDB as from any other adapter.
 */
import type { Connection } from "snowflake-sdk";
import { ExitCode, GenError } from "../errors.ts";
import { runDbt } from "../dbt/index.ts";
import type { SyncPlan } from "../plan/index.ts";
import {
  connectAsync,
  connectionFromEnv,
  createConnection,
  describeError,
  destroyAsync,
  executeAsync,
} from "../snowflake/client.ts";
import { ATTEMPT_COLUMNS, ATTEMPT_KEY, bindsFor, createTableSql, mergeSql, STATE_KEY } from "./sql.ts";

export interface SyncItem {
  sync_id: string;
  execution_id: string;
  workflow: string;
  retry_count: number;
  max_retries: number;
  state: Record<string, unknown> | null;
  attempts: Record<string, unknown>[];
  /** set by the claim when the item cannot be uploaded (its workflow or row is gone) */
  error: string | null;
}

export interface ItemResult {
  sync_id: string;
  execution_id: string;
  ok: boolean;
  error: string | null;
  retry_count: number;
  rows: number;
}

export interface RoundResult {
  claimed: number;
  synced: number;
  failed: number;
  items: ItemResult[];
  ms: number;
}

export interface SyncStatus {
  counts: Record<"pending" | "processing" | "completed" | "failed", number>;
  failed: {
    sync_id: string;
    execution_id: string;
    workflow: string;
    retry_count: number;
    error_message: string;
  }[];
  retrying: { sync_id: string; retry_count: number; error_message: string; next_attempt_at: string }[];
}

export interface SyncOptions {
  env?: NodeJS.ProcessEnv;
  /** [NAME] of connections.toml, as `gen deploy --connection` */
  connection?: string;
  /** login retries of the driver (its default retries a refused connection for minutes) */
  loginRetries?: number;
  /** values that must never be printed (the Snowflake password, ...) */
  secrets?: string[];
}

/** The JSON of a line `<mark> {...}` that one of the project's operations printed. */
function markedJson<T>(output: string, mark: string): T | null {
  for (const line of output.split("\n")) {
    const at = line.indexOf(mark + " ");
    if (at >= 0) return JSON.parse(line.slice(at + mark.length + 1)) as T;
  }
  return null;
}

async function operation<T>(
  projectDir: string,
  macro: string,
  args: object | null,
  mark: string | null,
  env: NodeJS.ProcessEnv | undefined,
): Promise<T | null> {
  const r = await runDbt(
    projectDir,
    ["run-operation", macro, ...(args ? ["--args", JSON.stringify(args)] : [])],
    { env },
  );
  if (r.exitCode !== 0) {
    const missing = /Could not find|not found/i.test(r.output) && r.output.includes(macro);
    throw new GenError(
      "sync-operation",
      missing
        ? `${projectDir} has no sync queue (no ${macro} operation)`
        : `dbt run-operation ${macro} failed in ${projectDir}:\n${r.output.trim().split("\n").slice(-12).join("\n")}`,
      {
        exitCode: missing ? ExitCode.usage : ExitCode.dbtFailed,
        hint: missing
          ? "add a sync block to the spec and rebuild: sync: { schema: DATABASE.SCHEMA }"
          : "check the dbt profile and that the project's database is reachable (and not locked by a running dbt)",
      },
    );
  }
  return mark ? markedJson<T>(r.output, mark) : null;
}

export async function syncStatus(projectDir: string, env?: NodeJS.ProcessEnv): Promise<SyncStatus> {
  const s = await operation<SyncStatus>(projectDir, "gen_sync_status", null, "gen-sync-status", env);
  if (!s) throw new GenError("sync-operation", "gen_sync_status printed no status");
  return s;
}

export async function syncBackfill(projectDir: string, env?: NodeJS.ProcessEnv): Promise<string[]> {
  const r = await operation<{ queued: string[] }>(
    projectDir,
    "gen_sync_backfill",
    null,
    "gen-sync-backfill",
    env,
  );
  return r?.queued ?? [];
}

export async function syncRetryFailed(
  projectDir: string,
  syncId?: string,
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  await operation(projectDir, "gen_sync_retry", syncId ? { sync_id: syncId } : null, null, env);
}

function redactor(values: string[]): (s: string) => string {
  const sorted = values.filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  return (s) => sorted.reduce((acc, v) => acc.split(v).join("***"), s);
}

/**
 * Runs `task` over `items` in `lanes.length` lanes at a time, each lane with its own resource: a connection,
 * so that concurrent uploads never share a session (on fakesnow, statements of one session interfere).
 */
export async function inLanes<L, T, R>(
  lanes: L[],
  items: T[],
  task: (lane: L, item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    lanes.map(async (lane) => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(lane, items[i] as T);
      }
    }),
  );
  return out;
}

/** One round: claim a batch, upload it, record the outcomes. */
export async function syncRound(
  projectDir: string,
  plan: SyncPlan,
  options: SyncOptions = {},
): Promise<RoundResult> {
  const started = performance.now();
  const env = options.env ?? process.env;
  // a missing configuration is a usage error, found before any queue item is claimed
  const choice = connectionFromEnv(env, options.connection);
  const redact = redactor([
    ...(options.secrets ?? []),
    ...[env.SNOWFLAKE_PASSWORD, env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE].filter((v): v is string => Boolean(v)),
  ]);
  const batch = await operation<{ items: SyncItem[] }>(
    projectDir,
    "gen_sync_claim",
    { limit: plan.batch_size },
    "gen-sync-batch",
    options.env,
  );
  const items = batch?.items ?? [];
  if (items.length === 0)
    return { claimed: 0, synced: 0, failed: 0, items: [], ms: performance.now() - started };

  const tables = new Map(plan.tables.map((t) => [t.workflow, t]));
  let results: ItemResult[];
  const connections: Connection[] = [];
  const fail = (item: SyncItem, error: string): ItemResult => ({
    sync_id: item.sync_id,
    execution_id: item.execution_id,
    ok: false,
    error: redact(error),
    retry_count: item.retry_count,
    rows: 0,
  });
  try {
    if (choice.options) choice.options.sfRetryMaxLoginRetries = options.loginRetries ?? 3;
    const lanes = Math.max(1, Math.min(plan.concurrency, items.length));
    for (let i = 0; i < lanes; i++) connections.push(await createConnection(choice, options.connection));
    await Promise.all(connections.map((c) => connectAsync(c)));
    const first = connections[0] as Connection;
    const ensured = new Set<string>();
    for (const item of items) {
      const t = tables.get(item.workflow);
      if (!t || ensured.has(t.workflow)) continue;
      await executeAsync(first, createTableSql(t.state.target, t.state.columns));
      await executeAsync(first, createTableSql(t.attempts.target, ATTEMPT_COLUMNS));
      ensured.add(t.workflow);
    }
    results = await inLanes(connections, items, async (conn, item): Promise<ItemResult> => {
      const t = tables.get(item.workflow);
      if (item.error || !item.state || !t)
        return fail(item, item.error ?? `workflow ${item.workflow} is not synced`);
      try {
        const state = mergeSql(t.state.target, t.state.columns, STATE_KEY);
        await executeAsync(conn, state, bindsFor(t.state.columns, item.state));
        const attempts = mergeSql(t.attempts.target, ATTEMPT_COLUMNS, ATTEMPT_KEY);
        for (const row of item.attempts) await executeAsync(conn, attempts, bindsFor(ATTEMPT_COLUMNS, row));
        return { ...fail(item, ""), ok: true, error: null, rows: 1 + item.attempts.length };
      } catch (e) {
        return fail(item, `Snowflake: ${describeError(e)}`);
      }
    });
  } catch (e) {
    // no connection (or no table): every item of the round failed the same way
    results = items.map((item) => fail(item, `cannot reach Snowflake: ${describeError(e)}`));
  } finally {
    await Promise.all(connections.map((c) => destroyAsync(c)));
  }
  await operation(
    projectDir,
    "gen_sync_finish",
    { results: results.map(({ sync_id, ok, error, retry_count }) => ({ sync_id, ok, error, retry_count })) },
    null,
    options.env,
  );
  const synced = results.filter((r) => r.ok).length;
  return {
    claimed: items.length,
    synced,
    failed: items.length - synced,
    items: results,
    ms: performance.now() - started,
  };
}

/** Runs `round` now and then every `intervalS` seconds until `signal` aborts (then returns at once). */
export async function syncLoop(
  intervalS: number,
  round: () => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    await round();
    if (signal.aborted) break;
    await new Promise<void>((done) => {
      const timer = setTimeout(done, intervalS * 1000);
      signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          done();
        },
        { once: true },
      );
    });
  }
}
