import { runDbt, type WorkflowSummary } from "../dbt/index.ts";
import { ExitCode, toJsonText } from "../errors.ts";
import { startMockApi, type MockApi } from "../mockapi/index.ts";
import type { Term } from "../util/term.ts";
import { defineCommand, UsageError } from "./command.ts";
import { buildOne, OUT_OPTION, SCENARIO_OPTION, scenarioOrUsage } from "./shared.ts";

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
    if (!built) return ExitCode.specProblems;
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
      if (!values.json && !values["no-state"])
        for (const wf of plan.workflows.filter((w) => w.stateful && mode !== "stateless")) {
          term.err(term.paint("bold", `\n${wf.definition.state.table} (latest executions)`));
          await runDbt(
            built.outDir,
            ["--quiet", "run-operation", wf.names.getStateOperation, "--args", "{limit: 5}"],
            { env, color: term.color, onLine: term.err },
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
