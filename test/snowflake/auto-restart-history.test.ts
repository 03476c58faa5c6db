/**
 * The auto-restart monitoring queries of the feature's design document (test/fixtures/auto-restart/
 * monitoring-queries.sql, verbatim) against gen's V_AUTO_RESTART_HISTORY, the way dbt Projects on Snowflake runs
 * the project (native driver on fakesnow, database EDW, schema O2C_AUDIT as in the document): after a failed
 * build and the selective retry the restart plan asks for, each query shows the values it must.
 * The project is the package of specs/auto_restart.yaml (a spec with only auto_restart), with a few models of
 * the project that would install it.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, requireNativeVenv, ROOT, runNative, removeTempDirs, type BuiltProject } from "./helpers.ts";

afterAll(removeTempDirs);

type Row = Record<string, unknown>;
interface StepReport {
  step: { restart?: [string, string]; sql?: string; query?: string };
  success: boolean;
  rows?: Row[];
  error?: string;
  exception?: string | null;
}

/** name -> SQL text, as the fixture has them (after each `-- query: <name>` line, up to the next). */
function monitoringQueries(): Map<string, string> {
  const text = readFileSync(join(ROOT, "test", "fixtures", "auto-restart", "monitoring-queries.sql"), "utf8");
  const queries = new Map<string, string>();
  for (const part of text.split(/^-- query: /m).slice(1)) {
    const [name, ...lines] = part.split("\n");
    queries.set((name ?? "").trim(), lines.join("\n").trim());
  }
  return queries;
}

/** Models of the project that installs the package: orders_paid fails until late_payments lands. */
function addModels(project: BuiltProject): void {
  const dir = join(project.dir, "models", "shop");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "stg_orders.sql"),
    "{{ config(materialized='table') }}\nselect 10 as order_id, 25 as amount\n",
  );
  writeFileSync(
    join(dir, "orders_paid.sql"),
    "{{ config(materialized='table') }}\n" +
      "select o.order_id, o.amount from {{ ref('stg_orders') }} o join late_payments p on p.order_id = o.order_id\n",
  );
  writeFileSync(join(dir, "revenue.sql"), "select sum(amount) as revenue from {{ ref('orders_paid') }}\n");
}

describe("the design document's V_AUTO_RESTART_HISTORY queries, on fakesnow", () => {
  const queries = monitoringQueries();
  let report: { steps: StepReport[] };
  const rows = (label: string): Row[] => {
    const step = report.steps.find((s) => s.step.query === label);
    expect(step, label).toBeDefined();
    expect(step?.error, label).toBeUndefined();
    return step?.rows ?? [];
  };

  beforeAll(async () => {
    requireNativeVenv();
    const project = build({ file: join(ROOT, "specs", "auto_restart.yaml") });
    addModels(project);
    ({ report } = await runNative<{ steps: StepReport[] }>(project, {
      database: "EDW",
      schema: "O2C_AUDIT",
      mockUrl: "http://127.0.0.1:9",
      secrets: {},
      steps: [
        // what the daily task runs: CALL RUN_DBT_AUTO_RESTART(<dbt project object>, 'build'), its own handler
        { restart: ["EDW.O2C_AUDIT.DBT_O2C_ENHANCED", "build"] },
        { sql: "create table late_payments as select 10 as order_id" },
        { query: "plan", sql: "select decision, selector, retry_sequence from gen_restart_plan" },
        { restart: ["EDW.O2C_AUDIT.DBT_O2C_ENHANCED", "build"] },
        ...[...queries].map(([query, sql]) => ({ query, sql })),
      ],
    }));
  }, 240_000);

  it("has the queries of the document", () => {
    expect([...queries.keys()]).toEqual([
      "recent_runs",
      "verification",
      "todays_runs",
      "weekly_statistics",
      "compute_savings",
    ]);
  });

  it("a failed build, then the selective retry the plan asks for (the log tables under the names the spec gives)", () => {
    const calls = report.steps.filter((s) => s.step.restart);
    expect(calls.map((s) => s.success)).toEqual([false, true]);
    expect(calls[0]?.error).toMatch(
      /dbt build failed \(FULL BUILD of o2c_auto_restart\): see GEN_RUN_LOG and GEN_MODEL_LOG/,
    );
    expect(rows("plan")).toEqual([
      { DECISION: "SELECTIVE RETRY", SELECTOR: "orders_paid+", RETRY_SEQUENCE: 1 },
    ]);
  });

  it("recent runs: the retry first, with the document's labels and columns", () => {
    const seen = rows("recent_runs").map((r) => ({
      RUN_TYPE: r.RUN_TYPE,
      RUN_STATUS: r.RUN_STATUS,
      RETRY_SEQUENCE: r.RETRY_SEQUENCE,
      MODELS_RUN: r.MODELS_RUN,
      MODELS_EXECUTED: r.MODELS_EXECUTED,
      FAILED_MODELS: r.FAILED_MODELS,
    }));
    expect(seen).toEqual([
      {
        RUN_TYPE: "🔄 SELECTIVE RETRY",
        RUN_STATUS: "SUCCESS",
        RETRY_SEQUENCE: 1,
        MODELS_RUN: 2,
        MODELS_EXECUTED: "orders_paid, revenue",
        FAILED_MODELS: null,
      },
      {
        RUN_TYPE: "🔵 FULL BUILD",
        RUN_STATUS: "FAILED",
        RETRY_SEQUENCE: 0,
        MODELS_RUN: 4,
        MODELS_EXECUTED: "gen_restart_plan, orders_paid, stg_orders, v_auto_restart_history",
        FAILED_MODELS: "orders_paid",
      },
    ]);
    expect(rows("verification")).toHaveLength(2);
    expect(rows("todays_runs").map((r) => r.RUN_TYPE)).toEqual(["🔄 SELECTIVE RETRY", "🔵 FULL BUILD"]);
  });

  it("weekly statistics and compute savings count the retry and the failure", () => {
    const [week, ...more] = rows("weekly_statistics");
    expect(more).toEqual([]);
    expect(week).toMatchObject({ TOTAL_RUNS: 2, RETRIES: 1, FULL_BUILDS: 1, FAILURES: 1 });
    // (25 - models_run) * 10 for the one retry, which ran 2 models
    expect(rows("compute_savings")).toEqual([{ SECONDS_SAVED: 230, RETRY_COUNT: 1 }]);
  });
});
