import { ExitCode, GenError, toJsonText } from "../errors.ts";
import { syncBackfill, syncLoop, syncRetryFailed, syncRound, syncStatus } from "../sync/index.ts";
import { DuckdbQueueClient, duckdbFile, SyncQueue } from "../sync/queue.ts";
import { defineCommand, UsageError, type OptionSpecs, type OptionValues } from "./command.ts";
import type { Term } from "../util/term.ts";
import { buildOne, OUT_OPTION, printDiagnostics } from "./shared.ts";

const SYNC_OPTIONS = {
  out: OUT_OPTION,
  once: { type: "boolean", help: "one round, then exit (5 when an upload failed)" },
  status: {
    type: "boolean",
    help: "print the queue: counts by status, the failed items, the ones waiting to retry",
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
      "round every interval_s until Ctrl-C. The spec is built first (into out/<project> or -o DIR).",
  ],
  options: SYNC_OPTIONS,
  async run({ values, positionals }, term) {
    if (positionals.length !== 1)
      throw new UsageError("gen sync takes exactly one spec", "gen sync specs/policy.yaml --once");
    // the queue helper starts (Python, duckdb) while the spec builds
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
  const built = buildOne(specFile, values.out, term);
  if (!built) return ExitCode.specProblems;
  const plan = built.plan.project.sync;
  if (!plan)
    throw new UsageError(
      `${specFile} has no sync block`,
      "add one: sync: { schema: DATABASE.SCHEMA } (seed 004), then gen sync again",
    );
  const dir = built.outDir;
  const queue = new SyncQueue(duckdbFile(dir, built.plan.project.duckdbPath, process.env), client);
  const connection = values.connection;
  const retryFailed = values["retry-failed"];
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
  if (values.status) {
    const s = await syncStatus(queue);
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
  if ((retryFailed || values.backfill) && !values.once) return ExitCode.ok;

  const round = async (): Promise<number> => {
    const r = await syncRound(queue, plan, { connection });
    if (values.json) term.out(toJsonText(r, 0));
    else if (r.busy) term.err(`${time()} sync: the database is in use by a dbt run; next round`);
    else if (r.claimed === 0) term.err(`${time()} sync: nothing to upload`);
    else {
      term.err(
        `${time()} sync: ${r.claimed} claimed, ${term.paint("ok", `${r.synced} synced`)}, ${r.failed ? term.paint("error", `${r.failed} failed`) : "0 failed"} (${Math.round(r.ms)} ms)`,
      );
      for (const i of r.items.filter((x) => !x.ok))
        term.err(`  ${i.execution_id}: ${i.error} (try ${i.retry_count + 1} of ${plan.max_retries})`);
    }
    return r.failed > 0 ? ExitCode.syncFailed : ExitCode.ok;
  };
  if (values.once) return round();
  term.err(`syncing ${dir} to Snowflake every ${plan.interval_s} s (Ctrl-C to stop)`);
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  await syncLoop(
    plan.interval_s,
    async () => {
      try {
        await round();
      } catch (e) {
        // a round that cannot run (dbt busy, database locked) is tried again at the next interval
        if (!(e instanceof GenError) || e.exitCode === ExitCode.usage) throw e;
        printDiagnostics(e.diagnostics, term);
      }
    },
    stop.signal,
  );
  term.err("stopped syncing");
  return ExitCode.ok;
}
