import { missingVariables, missingVariablesError, neededVariables } from "../dbt/environment.ts";
import { runDbt, type WorkflowSummary } from "../dbt/index.ts";
import { readLatestExecutions, STATE_COLUMNS, type StateRow } from "../dbt/state.ts";
import { ExitCode, showControlCharacters, toJsonText } from "../errors.ts";
import { startMockApi, type MockApi } from "../mockapi/index.ts";
import type { Term } from "../util/term.ts";
import { defineCommand, OUT_OPTION, UsageError } from "./command.ts";
import { buildOne, SCENARIO_OPTION, scenarioOrUsage } from "./shared.ts";

export const run = defineCommand({
  name: "run",
  summary: "build, then run the workflows with dbt (optionally against the bundled mock API)",
  positionals: "<spec>",
  description: [
    "Builds the project, then runs its workflow models with dbt on the duckdb target and prints a summary " +
      "of each execution (status, steps, polls, HTTP calls, time).",
  ],
  options: {
    out: OUT_OPTION,
    "mock-api": {
      type: "boolean",
      help: "start the bundled mock API on 127.0.0.1 and point the spec's connections at it",
    },
    scenario: SCENARIO_OPTION,
    mode: {
      type: "string",
      value: "M",
      choices: ["stateful", "stateless", "all"],
      help: "which flows to run (default all)",
    },
    "no-state": { type: "boolean", help: "do not print the state table after the run" },
    json: { type: "boolean", help: "print the summary as JSON on stdout (dbt output goes to stderr)" },
  },
  async run({ values, positionals }, term) {
    if (positionals.length !== 1)
      throw new UsageError("gen run takes exactly one spec", "gen run specs/policy.yaml --mock-api");
    const mode = values.mode ?? "all";
    // progress goes to stderr in both modes; with --json, stdout carries only the summary
    const started = performance.now();
    const built = buildOne(positionals[0] as string, values.out, term);
    const plan = built.plan;

    const env: NodeJS.ProcessEnv = {};
    let api: MockApi | undefined;
    try {
      if (values["mock-api"]) {
        api = await startMockApi({
          port: 0,
          scenario: values.scenario ? scenarioOrUsage(values.scenario) : {},
        });
        // Point every env var that feeds a connection URL at the mock.
        for (const v of plan.project.envVars) env[v.name] = api.url;
        // Demo secrets: a generated token the mock then requires, so the Authorization header is exercised.
        const token = `demo-${Math.random().toString(36).slice(2)}`;
        for (const s of plan.project.secrets) if (!process.env[s]) env[s] = token;
        if (plan.project.secrets.length === 1 && !process.env[plan.project.secrets[0] ?? ""])
          api.setScenario({ requireToken: token });
        term.err(`mock API on ${api.url}${values.scenario ? ` (scenario ${values.scenario})` : ""}`);
      }
      // every secret and env var the project reads, set before dbt starts (a missing one is named, located)
      const missing = missingVariables(neededVariables(plan, built.specText, positionals[0] as string), {
        ...process.env,
        ...env,
      });
      if (missing.length > 0) throw missingVariablesError(missing);
      const selectors = plan.workflows.flatMap((wf) => [
        ...(wf.stateful && mode !== "stateless" ? [wf.names.statefulModel + "+"] : []),
        ...(wf.stateless && mode !== "stateful" ? [wf.names.statelessModel] : []),
      ]);
      term.err(term.paint("bold", `dbt run --select ${selectors.join(" ")}`));
      const dbt = await runDbt(built.outDir, ["run", "--select", ...selectors], {
        env,
        color: term.color,
        onLine: term.err,
      });
      if (!values.json && !values["no-state"]) {
        const workflows = plan.workflows.filter((w) => w.stateful && mode !== "stateless");
        await printLatestExecutions(
          built.outDir,
          env.GEN_DUCKDB_PATH ?? process.env.GEN_DUCKDB_PATH ?? plan.project.duckdbPath,
          workflows.map((wf) => ({ table: wf.definition.state.table, workflow: wf.name })),
          term,
        );
      }
      const wallMs = Math.round(performance.now() - started);
      const summary = {
        ok: dbt.exitCode === 0,
        out: built.outDir,
        wall_ms: wallMs,
        dbt_ms: dbt.elapsedMs,
        http_requests_served: api ? api.requests().length : null,
        executions: dbt.summaries,
      };
      if (values.json) term.out(toJsonText(summary));
      else printSummary(summary, term);
      return dbt.exitCode === 0 ? ExitCode.ok : ExitCode.dbtFailed;
    } finally {
      await api?.close();
    }
  },
});

function printSummary(
  s: {
    ok: boolean;
    wall_ms: number;
    dbt_ms: number;
    http_requests_served: number | null;
    executions: WorkflowSummary[];
  },
  term: Term,
): void {
  term.err("");
  term.err(term.paint("bold", "Executions"));
  for (const e of s.executions) {
    const status = e.ok ? term.paint("ok", e.status) : term.paint("error", e.status);
    if (e.status === "held") {
      // another dbt run holds the unfinished execution (its lease): this run made no call
      term.err(`  ${e.workflow} (${e.mode}) ${e.execution_id}: ${status} by another dbt run, left to it`);
      continue;
    }
    term.err(
      `  ${e.workflow} (${e.mode}) ${e.execution_id}: ${status}, ${e.ok ? e.steps_total : "?"}/${e.steps_total} steps, ${e.polls} polls, ${e.http_calls} HTTP calls (${e.http_attempts} attempts), ${(e.elapsed_ms / 1000).toFixed(1)} s${e.resumed ? ", resumed" : ""}`,
    );
    if (e.error) term.err(`    ${term.paint("error", e.error)}`);
  }
  term.err(
    `${s.ok ? term.paint("ok", "ok") : term.paint("error", "dbt failed")}: wall ${(s.wall_ms / 1000).toFixed(1)} s, dbt ${(s.dbt_ms / 1000).toFixed(1)} s` +
      (s.http_requests_served !== null
        ? `, ${s.http_requests_served} HTTP requests served by the mock API`
        : ""),
  );
}

/** How many executions of each workflow the state table after a run shows. */
const LATEST_EXECUTIONS = 5;
const CELL_WIDTH = 40;

/** The latest executions of each workflow, from its state table; a table that cannot be read is a warning. */
async function printLatestExecutions(
  projectDir: string,
  duckdbPath: string,
  requests: { table: string; workflow: string }[],
  term: Term,
): Promise<void> {
  if (requests.length === 0) return;
  let latest;
  try {
    latest = await readLatestExecutions(projectDir, duckdbPath, requests, LATEST_EXECUTIONS);
  } catch (e) {
    term.err(term.paint("warning", `warning: the state table could not be read: ${(e as Error).message}`));
    return;
  }
  for (const [i, { table, rows }] of latest.entries()) {
    term.err(term.paint("bold", `\n${table} (latest executions of ${requests[i]?.workflow})`));
    if (rows === null) term.err("  no state table yet: the workflow did not start");
    else for (const line of stateTable(rows)) term.err(line);
  }
}

/** Rows as aligned columns; long values are cut at CELL_WIDTH characters. */
function stateTable(rows: StateRow[]): string[] {
  const cell = (v: unknown) => {
    const text = showControlCharacters(v === null || v === undefined ? "" : String(v)).replace(/\s+/g, " ");
    return text.length > CELL_WIDTH ? text.slice(0, CELL_WIDTH - 3) + "..." : text;
  };
  const cells = [[...STATE_COLUMNS], ...rows.map((r) => STATE_COLUMNS.map((c) => cell(r[c])))];
  const widths = STATE_COLUMNS.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? "").length)));
  return cells.map(
    (row) =>
      "  " +
      row
        .map((v, c) => v.padEnd(widths[c] ?? 0))
        .join("  ")
        .trimEnd(),
  );
}
