/**
 * The sync queue of a DuckDB project, read and written without starting dbt: a Python helper
 * (duckdb_queue.py, the duckdb package of the venv dbt runs with, so the very DuckDB that wrote the file) answers
 * one JSON request per line. Each request holds the database only for its own short transaction; the project's
 * DuckDB plugin takes the same lock file before a dbt run opens the database, so a dbt run that starts meanwhile
 * waits those milliseconds instead of failing, and a request that meets a running dbt waits or reports `busy`.
 * The helper is started once and kept for every round of a long-running `gen sync`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { findDbt, GEN_HOME, VENV_DIR } from "../dbt/index.ts";
import { ExitCode, GenError } from "../errors.ts";

const HELPER = join(GEN_HOME, "generator", "sync", "duckdb_queue.py");

export type QueueStatus = "pending" | "processing" | "completed" | "failed";
export const QUEUE_STATUSES: readonly QueueStatus[] = ["pending", "processing", "completed", "failed"];

/** One queue row as the listings show it. */
export interface QueueItem {
  execution_id: string;
  workflow: string;
  status: QueueStatus;
  retry_count: number;
  max_retries: number;
  error_message: string | null;
  created_at: string | null;
  updated_at: string | null;
  next_attempt_at: string | null;
  /** when the upload succeeded: the local record of the sync */
  processed_at: string | null;
}

export interface ClaimedItem {
  execution_id: string;
  workflow: string;
  retry_count: number;
  max_retries: number;
  state: Record<string, unknown> | null;
  attempts: Record<string, unknown>[];
  /** set by the claim when the item cannot be uploaded (its workflow is not synced, or its row is gone) */
  error: string | null;
}

export interface QueueCounts {
  counts: Record<QueueStatus, number>;
  failed: { execution_id: string; workflow: string; retry_count: number; error_message: string }[];
  retrying: { execution_id: string; retry_count: number; error_message: string; next_attempt_at: string }[];
}

export interface FinishedItem {
  execution_id: string;
  ok: boolean;
  error: string | null;
  retry_count: number;
}

/** The database stayed in use (by a dbt run) for longer than the request could wait. */
export class QueueBusyError extends GenError {
  constructor(database: string, reason: string) {
    super("sync-database-busy", `${database}: ${reason}`, {
      exitCode: ExitCode.dbtFailed,
      hint: "try again when the dbt run has finished (a running gen sync retries at its next round)",
    });
  }
}

/** The project's DuckDB file as dbt opens it: GEN_DUCKDB_PATH, else the spec's path, relative to the project. */
export function duckdbFile(projectDir: string, specPath: string, env: NodeJS.ProcessEnv): string {
  const path = env.GEN_DUCKDB_PATH || specPath;
  return isAbsolute(path) ? path : resolve(projectDir, path);
}

/** The Python of the venv dbt runs from: its duckdb is the one that writes the project's file. */
function helperPython(env: NodeJS.ProcessEnv): string {
  const candidates = [join(VENV_DIR, "bin", "python")];
  try {
    const dbt = findDbt(env);
    // GEN_DBT's own venv first: that dbt is the one that writes the file
    candidates.splice(env.GEN_DBT ? 0 : 1, 0, join(dirname(dbt), "python"));
  } catch {
    // no dbt anywhere: the Python on PATH may still have duckdb
  }
  return candidates.find((p) => existsSync(p)) ?? "python3";
}

interface Answer {
  ok: boolean;
  busy?: boolean;
  error?: string;
  result?: unknown;
  ready?: boolean;
}

/** One helper process; requests go one at a time, in order. */
export class DuckdbQueueClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: ((a: Answer) => void)[] = [];
  private readonly ready: Promise<void>;
  private tail: Promise<unknown> = Promise.resolve();
  private stderr = "";
  private exited = false;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(helperPython(env), [HELPER], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    this.child.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    const lines = createInterface({ input: this.child.stdout });
    lines.on("line", (line) => this.answers.shift()?.(JSON.parse(line) as Answer));
    const gone = new Promise<Answer>((done) => {
      const fail = (why: string) => {
        this.exited = true;
        const answer = { ok: false, error: `the DuckDB queue helper ${why}: ${this.stderr.trim()}` };
        for (const waiting of this.answers.splice(0)) waiting(answer);
        done(answer);
      };
      this.child.on("error", (e) => fail(`did not start (${e.message})`));
      this.child.on("exit", (code) => fail(`exited (${code})`));
    });
    this.ready = Promise.race([new Promise<Answer>((done) => this.answers.push(done)), gone]).then((a) => {
      if (!a.ready) throw new GenError("sync-helper", a.error ?? "the DuckDB queue helper did not start");
    });
    // an unhandled rejection before the first request must not end the process
    this.ready.catch(() => undefined);
  }

  /** the helper's process id (the benchmark reads its CPU time) */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** `op` on the database `db`, waiting up to `waitMs` while a dbt run holds it. */
  request<T>(op: string, db: string, args: object = {}, waitMs = 0): Promise<T> {
    const run = async (): Promise<T> => {
      await this.ready;
      if (this.exited) throw new GenError("sync-helper", `the DuckDB queue helper exited: ${this.stderr}`);
      const answer = new Promise<Answer>((done) => this.answers.push(done));
      this.child.stdin.write(JSON.stringify({ ...args, op, db, wait_ms: waitMs }) + "\n");
      const a = await answer;
      if (a.ok) return a.result as T;
      if (a.busy) throw new QueueBusyError(db, a.error ?? "busy");
      throw new GenError("sync-queue", `${db}: ${a.error ?? "the queue request failed"}`, {
        exitCode: ExitCode.dbtFailed,
        hint: "run the project once (gen run or dbt run) so that its database and queue exist",
      });
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * Ends the helper once every request was answered: each request closed the database and released the lock
   * file, so nothing is left to finish, and waiting for Python to tear down duckdb would cost a command
   * like --status a good part of its time.
   */
  async close(): Promise<void> {
    await this.tail;
    if (this.exited) return;
    const exited = new Promise<void>((done) => this.child.once("exit", () => done()));
    this.child.stdin.end();
    this.child.kill("SIGKILL");
    await exited;
  }
}

/** The queue of one project's DuckDB file. */
export class SyncQueue {
  constructor(
    readonly database: string,
    private readonly client: DuckdbQueueClient,
  ) {}

  static open(projectDir: string, specDuckdbPath: string, env: NodeJS.ProcessEnv = process.env): SyncQueue {
    return new SyncQueue(duckdbFile(projectDir, specDuckdbPath, env), new DuckdbQueueClient(env));
  }

  /** Marks up to `limit` due items `processing` and returns them with their state and attempt rows. */
  async claim(
    limit: number,
    workflows: { name: string; state: string; attempts: string }[],
    waitMs: number,
  ): Promise<ClaimedItem[]> {
    const r = await this.client.request<{ items: ClaimedItem[] }>(
      "claim",
      this.database,
      { limit, workflows },
      waitMs,
    );
    return r.items;
  }

  /** Records each upload's outcome: completed, or pending again after backoff_s * 2^retries, or failed. */
  async finish(results: FinishedItem[], backoffS: number, waitMs: number): Promise<void> {
    await this.client.request("finish", this.database, { results, backoff_s: backoffS }, waitMs);
  }

  counts(limit: number, waitMs: number): Promise<QueueCounts> {
    return this.client.request<QueueCounts>("status", this.database, { limit }, waitMs);
  }

  async item(executionId: string, waitMs: number): Promise<QueueItem | null> {
    const r = await this.client.request<{ item: QueueItem | null }>(
      "status",
      this.database,
      { execution_id: executionId },
      waitMs,
    );
    return r.item;
  }

  async list(filter: { status?: QueueStatus; limit: number }, waitMs: number): Promise<QueueItem[]> {
    const r = await this.client.request<{ items: QueueItem[] }>("list", this.database, filter, waitMs);
    return r.items;
  }

  /** Failed items (or the one) pending again with their retries reset; returns the requeued ids. */
  async retryFailed(executionId: string | undefined, waitMs: number): Promise<string[]> {
    const r = await this.client.request<{ requeued: string[] }>(
      "retry",
      this.database,
      executionId ? { execution_id: executionId } : {},
      waitMs,
    );
    return r.requeued;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
