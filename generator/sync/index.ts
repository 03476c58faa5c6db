/**
 * `gen sync`: uploads the finished executions queued by the runtime (gen_sync_queue) to Snowflake, with retries.
 * One round: claim a batch from the project's DuckDB file (SyncQueue: a short transaction, no dbt
 * start), MERGE the state rows and attempt rows into Snowflake with snowflake-sdk (one statement pair per chunk
 * of executions, `concurrency` chunks at a time), then record each outcome (completed, or pending again after a delay, failed after max_retries). A round that
 * finds nothing due costs one small query; one that finds the database in use by a dbt run waits a moment, then
 * leaves the work to the next round.
 */
import type { Connection } from "snowflake-sdk";
import { runOperation } from "../dbt/index.ts";
import type { SyncPlan } from "../plan/index.ts";
import {
  connectAsync,
  connectionFromEnv,
  createConnection,
  describeError,
  destroyAsync,
  executeAsync,
} from "../snowflake/client.ts";
import { redactor } from "../util/redact.ts";
import { QueueBusyError, type ClaimedItem, type QueueCounts, type SyncQueue } from "./queue.ts";
import {
  addColumnSql,
  ATTEMPT_KEY,
  bindsFor,
  createTableSql,
  describeTableSql,
  mergeSql,
  STATE_KEY,
  type SyncColumn,
} from "./sql.ts";

export { SyncQueue, type QueueItem, type QueueStatus } from "./queue.ts";

export type SyncItem = ClaimedItem;

export interface ItemResult {
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
  /** the database was in use by a dbt run for the whole wait: nothing was claimed, the next round tries again */
  busy?: boolean;
}

export type SyncStatus = QueueCounts;

export interface SyncOptions {
  env?: NodeJS.ProcessEnv;
  /** [NAME] of connections.toml, as `gen deploy --connection` */
  connection?: string;
  /** login retries of the driver (its default retries a refused connection for minutes) */
  loginRetries?: number;
}

/** How long a claim waits for a dbt run to release the database before the round gives up (ms). */
export const CLAIM_WAIT_MS = 2_000;
/** How long recording the outcomes waits: uploaded items should not stay `processing` (ms). */
export const FINISH_WAIT_MS = 60_000;
/** How long --status and the listings wait for a dbt run (ms). */
export const READ_WAIT_MS = 5_000;

const SYNC_BLOCK = { name: "sync", example: "sync: { schema: DATABASE.SCHEMA }" };

export function syncStatus(queue: SyncQueue, limit = 50): Promise<SyncStatus> {
  return queue.counts(limit, READ_WAIT_MS);
}

/**
 * Queues every finished execution that is not queued yet. Through dbt (run-operation gen_sync_backfill): it
 * creates the queue and state tables from the runtime's own definitions when they are missing; rare, by hand.
 */
export async function syncBackfill(projectDir: string, env?: NodeJS.ProcessEnv): Promise<string[]> {
  const r = await runOperation<{ queued: string[] }>(projectDir, "gen_sync_backfill", {
    mark: "gen-sync-backfill",
    env,
    block: SYNC_BLOCK,
  });
  return r?.queued ?? [];
}

export function syncRetryFailed(queue: SyncQueue, executionId?: string): Promise<string[]> {
  return queue.retryFailed(executionId, READ_WAIT_MS);
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

/**
 * The Snowflake table follows the spec: made when missing, and a column the spec added since is added to it
 * (existing rows get NULL there until their execution is synced again).
 */
async function ensureTable(conn: Connection, target: string, columns: SyncColumn[]): Promise<void> {
  await executeAsync(conn, createTableSql(target, columns));
  const described = await executeAsync(conn, describeTableSql(target));
  const existing = new Set(described.map((r) => String(r.name ?? r.NAME).toLowerCase()));
  for (const c of columns)
    if (!existing.has(c.name.toLowerCase())) await executeAsync(conn, addColumnSql(target, c));
}

/** Executions uploaded by one pair of MERGE statements (state rows, attempt rows). */
export const CHUNK_ITEMS = 50;

type SyncTable = SyncPlan["tables"][number];

async function mergeRows(
  conn: Connection,
  target: string,
  columns: SyncColumn[],
  key: string[],
  rows: Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  await executeAsync(
    conn,
    mergeSql(target, columns, key, rows.length),
    rows.flatMap((row) => bindsFor(columns, row)),
  );
}

/** One round: claim a batch, upload it, record the outcomes. */
export async function syncRound(
  queue: SyncQueue,
  plan: SyncPlan,
  options: SyncOptions = {},
): Promise<RoundResult> {
  const started = performance.now();
  const env = options.env ?? process.env;
  // a missing configuration is a usage error, found before any queue item is claimed
  const choice = connectionFromEnv(env, options.connection);
  // the driver's errors could echo a credential: none is ever recorded or printed
  const redact = redactor(
    [env.SNOWFLAKE_PASSWORD, env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE].filter((v): v is string => Boolean(v)),
  );
  let items: SyncItem[];
  try {
    items = await queue.claim(
      plan.batch_size,
      plan.tables.map((t) => ({ name: t.workflow, state: t.state.source, attempts: t.attempts.source })),
      CLAIM_WAIT_MS,
    );
  } catch (e) {
    if (!(e instanceof QueueBusyError)) throw e;
    return { claimed: 0, synced: 0, failed: 0, items: [], ms: performance.now() - started, busy: true };
  }
  if (items.length === 0)
    return { claimed: 0, synced: 0, failed: 0, items: [], ms: performance.now() - started };

  const tables = new Map(plan.tables.map((t) => [t.workflow as string, t]));
  let results: ItemResult[];
  const connections: Connection[] = [];
  const outcome = (item: SyncItem, error: string | null, rows = 0): ItemResult => ({
    execution_id: item.execution_id,
    ok: error === null,
    error: error === null ? null : redact(error),
    retry_count: item.retry_count,
    rows,
  });
  // chunks small enough that every lane has work, and no larger than CHUNK_ITEMS
  const chunkSize = Math.max(1, Math.min(CHUNK_ITEMS, Math.ceil(items.length / plan.concurrency)));
  const byId = new Map<string, ItemResult>();
  const chunks: { table: SyncTable; items: (SyncItem & { state: Record<string, unknown> })[] }[] = [];
  for (const item of items) {
    const t = tables.get(item.workflow);
    if (item.error || !item.state || !t) {
      byId.set(item.execution_id, outcome(item, item.error ?? `workflow ${item.workflow} is not synced`));
      continue;
    }
    const last = chunks.at(-1);
    const withState = { ...item, state: item.state };
    if (last && last.table === t && last.items.length < chunkSize) last.items.push(withState);
    else chunks.push({ table: t, items: [withState] });
  }
  try {
    if (choice.options) choice.options.sfRetryMaxLoginRetries = options.loginRetries ?? 3;
    const lanes = Math.max(1, Math.min(plan.concurrency, chunks.length));
    for (let i = 0; i < lanes; i++) connections.push(await createConnection(choice, options.connection));
    await Promise.all(connections.map((c) => connectAsync(c)));
    const first = connections[0] as Connection;
    const ensured = new Set<string>();
    for (const item of items) {
      const t = tables.get(item.workflow);
      if (!t || ensured.has(t.workflow)) continue;
      await ensureTable(first, t.state.target, t.state.columns);
      await ensureTable(first, t.attempts.target, t.attempts.columns);
      ensured.add(t.workflow);
    }
    // one MERGE for the state rows and one for the attempt rows of a chunk; when one fails, its items are
    // tried one by one, so that each failure is the item's own
    const upload = async (conn: Connection, t: SyncTable, chunk: (typeof chunks)[number]["items"]) => {
      await mergeRows(
        conn,
        t.state.target,
        t.state.columns,
        STATE_KEY,
        chunk.map((i) => i.state),
      );
      await mergeRows(
        conn,
        t.attempts.target,
        t.attempts.columns,
        ATTEMPT_KEY,
        chunk.flatMap((i) => i.attempts),
      );
    };
    await inLanes(connections, chunks, async (conn, chunk) => {
      try {
        await upload(conn, chunk.table, chunk.items);
        for (const item of chunk.items)
          byId.set(item.execution_id, outcome(item, null, 1 + item.attempts.length));
      } catch {
        for (const item of chunk.items) {
          try {
            await upload(conn, chunk.table, [item]);
            byId.set(item.execution_id, outcome(item, null, 1 + item.attempts.length));
          } catch (e) {
            byId.set(item.execution_id, outcome(item, `Snowflake: ${describeError(e)}`));
          }
        }
      }
    });
    results = items.map((item) => byId.get(item.execution_id) as ItemResult);
  } catch (e) {
    // no connection (or no table): every item of the round failed the same way
    results = items.map((item) => outcome(item, `cannot reach Snowflake: ${describeError(e)}`));
  } finally {
    await Promise.all(connections.map((c) => destroyAsync(c)));
  }
  await queue.finish(
    results.map(({ execution_id, ok, error, retry_count }) => ({ execution_id, ok, error, retry_count })),
    plan.backoff_s,
    FINISH_WAIT_MS,
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
