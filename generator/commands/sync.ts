import { ExitCode, GenError, toJsonText } from "../errors.ts";
import type { RoundResult } from "../sync/index.ts";
import {
  DuckdbQueueClient,
  duckdbFile,
  QUEUE_STATUSES,
  SyncQueue,
  type QueueItem,
  type QueueStatus,
} from "../sync/queue.ts";
import { renameSync, writeFileSync } from "node:fs";
import {
  defineCommand,
  OUT_OPTION,
  printDiagnostics,
  UsageError,
  type OptionSpecs,
  type OptionValues,
} from "./command.ts";
import type { Term } from "../util/term.ts";

const SYNC_OPTIONS = {
  out: OUT_OPTION,
  once: { type: "boolean", help: "one round, then exit (5 when an upload failed)" },
  status: {
    type: "boolean",
    optionalValue: { name: "ID", accepts: (arg) => !arg.startsWith("-") && !/\.ya?ml$/.test(arg) },
    help:
      "print the queue: counts by status, the failed items, the ones waiting to retry; with an execution ID, " +
      "that execution's sync status (exit 2 when it is not queued)",
  },
  list: {
    type: "boolean",
    optionalValue: { name: "STATUS", accepts: (arg) => (QUEUE_STATUSES as readonly string[]).includes(arg) },
    help: "list the queue items, newest first (only those with STATUS: pending, processing, completed, failed)",
  },
  failed: { type: "boolean", help: "list the failed items with their last error (as --list failed)" },
  limit: {
    type: "string",
    value: "N",
    help: "how many items --list, --failed and --status print (default 50)",
  },
  every: {
    type: "string",
    value: "S",
    help: "run a round every S seconds (default the spec's interval_s) until Ctrl-C or SIGTERM",
  },
  health: {
    type: "string",
    value: "FILE",
    help: "after each round, write FILE (JSON): the last round, the queue depth by status, the last error",
  },
  backfill: {
    type: "boolean",
    help: "queue every finished execution that is not queued yet (then sync, with --once)",
  },
  "retry-failed": {
    type: "boolean",
    // the ID is the next argument unless it is an option or the spec
    optionalValue: { name: "ID", accepts: (arg) => !/\.ya?ml$/.test(arg) },
    help: "queue the failed items again (all of them without ID)",
  },
  connection: {
    type: "string",
    value: "NAME",
    help: "[NAME] of connections.toml; else SNOWFLAKE_* variables (as gen deploy)",
  },
  json: { type: "boolean", help: "one JSON object per round (or the status) on stdout" },
} as const satisfies OptionSpecs;

export const sync = defineCommand({
  name: "sync",
  summary: "upload the queued finished executions to Snowflake, with retries (once, or every interval)",
  positionals: "<spec>",
  description: [
    "Uploads the finished executions that the project queued (the spec's sync block) to Snowflake: each state " +
      "row and its attempt rows, MERGEd by key, so a retry or a backfill never duplicates a row. A failed upload " +
      "is tried again after backoff_s (doubling), and marked failed after max_retries. Without --once it runs a " +
      "round every interval_s (or --every S) until Ctrl-C or SIGTERM, one log line per round. The queue is read " +
      "and written in the project's DuckDB file directly, without starting dbt. A round or a backfill builds the " +
      "spec first (into out/<project> or -o DIR); --status, --list, --failed and --retry-failed alone read the " +
      "spec but build nothing.",
  ],
  options: SYNC_OPTIONS,
  async run({ values, positionals }, term) {
    if (positionals.length !== 1)
      throw new UsageError("gen sync takes exactly one spec", "gen sync specs/policy.yaml --once");
    // the queue helper starts (Python, duckdb) while the rest of gen loads and the spec builds
    const client = new DuckdbQueueClient();
    try {
      return await syncCommand(values, positionals[0] as string, client, term);
    } finally {
      await client.close();
    }
  },
});

async function syncCommand(
  values: OptionValues<typeof SYNC_OPTIONS>,
  specFile: string,
  client: DuckdbQueueClient,
  term: Term,
): Promise<number> {
  const retryFailed = values["retry-failed"];
  // The queue commands only read the database (or, --retry-failed alone, edit its queue): the spec's plan says
  // where it is, and nothing is rendered or written. A round and a backfill work on the built project.
  const queueOnly =
    !values.backfill &&
    Boolean(values.status || values.list || values.failed || (retryFailed && !values.once));
  // loaded here, after the helper has started: they are most of what gen sync loads (the queue commands
  // do not load the modules that render and write)
  const [built, { syncBackfill, syncLoop, syncRetryFailed, syncRound, syncStatus, READ_WAIT_MS }] =
    await Promise.all([
      queueOnly
        ? import("./project.ts").then((m) => m.planOne(specFile, values.out, term))
        : import("./shared.ts").then((m) => m.buildOne(specFile, values.out, term)),
      import("../sync/index.ts"),
    ]);
  const plan = built.plan.project.sync;
  if (!plan)
    throw new UsageError(
      `${specFile} has no sync block`,
      "add one: sync: { schema: DATABASE.SCHEMA }, then gen sync again",
    );
  const dir = built.outDir;
  const queue = new SyncQueue(duckdbFile(dir, built.plan.project.duckdbPath, process.env), client);
  const connection = values.connection;
  const retryId = typeof retryFailed === "string" ? retryFailed : undefined;
  const time = () => term.paint("dim", new Date().toTimeString().slice(0, 8));

  if (retryFailed) {
    await syncRetryFailed(queue, retryId);
    term.err(`${time()} ${retryId ? `${retryId} is` : "the failed items are"} queued again`);
  }
  if (values.backfill) {
    const queued = await syncBackfill(dir);
    term.err(`${time()} backfill: ${queued.length} finished execution(s) queued`);
  }
  const limit = positiveNumber("--limit", values.limit) ?? 50;
  if (typeof values.status === "string") {
    const item = await queue.item(values.status, READ_WAIT_MS);
    if (!item)
      throw new UsageError(
        `${values.status} is not in the sync queue of ${dir}`,
        "gen sync <spec> --list shows the queued executions; --backfill queues finished ones that are missing",
      );
    if (values.json) term.out(toJsonText(item));
    else printItems([item], term);
    return ExitCode.ok;
  }
  if (values.status) {
    const s = await syncStatus(queue, limit);
    if (values.json) term.out(toJsonText(s));
    else {
      const c = s.counts;
      term.err(
        `sync queue of ${dir}: ${c.pending} pending, ${c.processing} processing, ${c.completed} completed, ${c.failed} failed`,
      );
      for (const f of s.failed)
        term.err(
          `  ${term.paint("error", "failed")} ${f.execution_id} (${f.workflow}) after ${f.retry_count} tries: ${f.error_message}`,
        );
      for (const w of s.retrying)
        term.err(
          `  ${term.paint("warning", "retrying")} ${w.execution_id} at ${w.next_attempt_at} (try ${w.retry_count + 1}): ${w.error_message}`,
        );
    }
    return ExitCode.ok;
  }
  if (values.list || values.failed) {
    const status = values.failed
      ? "failed"
      : typeof values.list === "string"
        ? (values.list as QueueStatus)
        : undefined;
    const items = await queue.list({ ...(status ? { status } : {}), limit }, READ_WAIT_MS);
    if (values.json) term.out(toJsonText({ status: status ?? null, limit, items }));
    else {
      term.err(`${items.length} ${status ?? "queue"} item(s) of ${dir}, newest first`);
      printItems(items, term);
    }
    return ExitCode.ok;
  }
  if ((retryFailed || values.backfill) && !values.once) return ExitCode.ok;

  const health = values.health ? new HealthFile(values.health) : null;
  const round = async (): Promise<number> => {
    const r = await syncRound(queue, plan, { connection });
    if (health) health.round(r, (await syncStatus(queue, 1)).counts);
    if (values.json) term.out(toJsonText(r, 0));
    else if (r.busy) term.err(`${time()} sync: the database is in use by a dbt run; next round`);
    else if (r.claimed === 0) term.err(`${time()} sync: nothing to upload`);
    else {
      const firstError = r.items.find((x) => !x.ok)?.error;
      term.err(
        `${time()} sync: ${r.claimed} claimed, ${term.paint("ok", `${r.synced} synced`)}, ${r.failed ? term.paint("error", `${r.failed} failed`) : "0 failed"} (${Math.round(r.ms)} ms)` +
          (firstError && !values.once ? `; first error: ${firstError}` : ""),
      );
      // one line per round when it keeps running; every failure with --once
      if (values.once)
        for (const i of r.items.filter((x) => !x.ok))
          term.err(`  ${i.execution_id}: ${i.error} (try ${i.retry_count + 1} of ${plan.max_retries})`);
    }
    return r.failed > 0 ? ExitCode.syncFailed : ExitCode.ok;
  };
  if (values.once) return round();
  const interval = positiveNumber("--every", values.every) ?? plan.interval_s;
  term.err(`syncing ${dir} to Snowflake every ${interval} s (Ctrl-C to stop)`);
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  await syncLoop(
    interval,
    async () => {
      try {
        await round();
      } catch (e) {
        // a round that cannot run (database unreadable) is tried again at the next interval
        if (!(e instanceof GenError) || e.exitCode === ExitCode.usage) throw e;
        health?.error(e.message);
        printDiagnostics(e.diagnostics, term);
      }
    },
    stop.signal,
  );
  term.err("stopped syncing");
  return ExitCode.ok;
}

function positiveNumber(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${option} takes a positive number, not "${text}"`, `${option} 30`);
  return n;
}

function printItems(items: QueueItem[], term: Term): void {
  for (const i of items) {
    const when =
      i.status === "completed"
        ? `synced ${i.processed_at}`
        : i.status === "pending" && i.next_attempt_at
          ? `next try ${i.next_attempt_at}`
          : `updated ${i.updated_at}`;
    const paint = i.status === "failed" ? "error" : i.status === "completed" ? "ok" : "warning";
    term.err(
      `  ${term.paint(paint, i.status)} ${i.execution_id} (${i.workflow}) ${when}, ${i.retry_count} failed tr${i.retry_count === 1 ? "y" : "ies"}` +
        (i.error_message ? `: ${i.error_message}` : ""),
    );
  }
}

/** --health FILE: what a supervisor or a probe reads, replaced whole after each round. */
class HealthFile {
  private readonly state: {
    pid: number;
    started_at: string;
    rounds: number;
    last_round_at: string | null;
    last_round: { claimed: number; synced: number; failed: number; busy: boolean; ms: number } | null;
    queue: Record<QueueStatus, number> | null;
    last_error: { at: string; message: string } | null;
  };

  constructor(private readonly path: string) {
    this.state = {
      pid: process.pid,
      started_at: new Date().toISOString(),
      rounds: 0,
      last_round_at: null,
      last_round: null,
      queue: null,
      last_error: null,
    };
  }

  round(r: RoundResult, queue: Record<QueueStatus, number>): void {
    this.state.rounds++;
    this.state.last_round_at = new Date().toISOString();
    this.state.last_round = {
      claimed: r.claimed,
      synced: r.synced,
      failed: r.failed,
      busy: r.busy ?? false,
      ms: Math.round(r.ms),
    };
    this.state.queue = queue;
    const failure = r.items.find((i) => !i.ok);
    if (failure?.error) this.state.last_error = { at: this.state.last_round_at, message: failure.error };
    this.write();
  }

  error(message: string): void {
    this.state.last_error = { at: new Date().toISOString(), message };
    this.write();
  }

  private write(): void {
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, toJsonText(this.state));
    renameSync(temp, this.path);
  }
}
