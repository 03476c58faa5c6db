/**
 * The generated project run the way dbt Projects on Snowflake runs it (EXECUTE DBT PROJECT), offline: the dbt
 * version gen pins on the project object (.venv-snowflake), env_var() unavailable (any call fails the run), only
 * the project's own profiles.yml, the default target the generated setup names, no target/ kept between runs,
 * no SNOWFLAKE_* environment. fakesnow stands in for the account: every statement dbt and gen's macros issue runs
 * on it, except the two primitives it has no equivalent of (CALL of the HTTP procedure, SYSTEM$WAIT), whose text
 * is asserted here and which are served by the procedure's own handler / a sleep
 * (generator/snowflake/native/native_dbt.py documents the details).
 */
import { readFileSync } from "node:fs";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockApi, type MockApi } from "../../generator/mockapi/index.ts";
import {
  build,
  requireNativeVenv,
  runNative,
  SPECS,
  type BuiltProject,
  removeTempDirs,
  withEndpoint,
} from "./helpers.ts";

afterAll(removeTempDirs);

const SECRET = "fakesnow-t0ken-not-in-any-table";
type Row = Record<string, unknown>;

interface StepReport {
  step: { dbt?: string[]; sql?: string; query?: string; scenario?: unknown };
  success: boolean;
  rows?: Row[];
  error?: string;
  exception?: string | null;
  rewrites?: number;
  /** dbt steps: the text of every statement the step sent, and the status of every node it ran */
  statements?: string[];
  results?: { unique_id: string; status: string }[];
  log?: string[];
}

interface Report {
  env_var_contexts_patched: number;
  steps: StepReport[];
  rewrites: { kind: "call" | "wait"; original: string; sqlglot: string }[];
  http_results: unknown[];
}

/** The seed's (000) monitoring queries, verbatim: they must run against gen's state table as written. */
const SEED_MONITORING = {
  seed_current: `SELECT * FROM policy_execution_state 
ORDER BY start_time DESC`,
  seed_success_rate: `SELECT 
    COUNT(*) as total_executions,
    SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) as successful,
    SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) as failed,
    ROUND(100.0 * SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) / COUNT(*), 2) as success_rate_percent
FROM policy_execution_state
WHERE start_time >= DATEADD(hour, -24, CURRENT_TIMESTAMP())`,
  seed_last_hour: `SELECT 
    execution_id,
    policy_id,
    status,
    poll_count,
    start_time,
    message
FROM policy_execution_state
WHERE start_time >= DATEADD(hour, -1, CURRENT_TIMESTAMP())
ORDER BY start_time DESC`,
};

describe("specs/policy.yaml as EXECUTE DBT PROJECT runs it, on fakesnow", () => {
  let api: MockApi;
  let project: BuiltProject;
  let report: Report;
  let stdout: string;
  const byLabel = (label: string): StepReport => {
    const s = report.steps.find((st) => st.step.query === label);
    if (!s) throw new Error(`no step ${label}`);
    return s;
  };
  const rows = (label: string): Row[] => {
    const s = byLabel(label);
    expect(s.error, label).toBeUndefined();
    return s.rows ?? [];
  };

  beforeAll(async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0, scenario: { requireToken: SECRET, pendingPolls: 1 } });
    // the spec's own default for the API endpoint, pointed at the mock: no --vars, and env_var() is unavailable
    project = build({
      text: withEndpoint(readFileSync(SPECS[0] as string, "utf8"), api.url),
      name: "policy.yaml",
    });
    const state = "policy_execution_state";
    const steps = [
      {
        dbt: [
          "run",
          "--select",
          "stateful_policy_execution+",
          "stateless_policy_execution",
          "gen_restart_plan",
          "v_auto_restart_history",
          // the summary lines are printed only when asked for (gen run asks)
          "--vars",
          "{gen_summary: true}",
        ],
      },
      { query: "state_after_run", sql: `select * from ${state} order by start_time` },
      { query: "attempts", sql: "select * from policy_execution_attempts order by logged_at, attempt" },
      ...Object.entries(SEED_MONITORING).map(([query, sql]) => ({ query, sql })),
      { query: "model_success_rate", sql: "select * from policy_execution_success_rate_24h" },
      { query: "model_hourly", sql: "select * from policy_execution_hourly_stats" },
      { query: "model_stateless", sql: "select * from stateless_policy_execution" },
      // an execution interrupted after step 1 (to resume) and one stuck for 3 hours (to give up)
      {
        sql:
          `insert into ${state} (execution_id, workflow, policy_id, api_execution_id, status, current_step, steps_completed,` +
          ` poll_count, start_time, completed, message, policy_data) select 'exec_resume_fakesnow', workflow, policy_id,` +
          ` api_execution_id, 'policy_created', 'poll_policy_status', 1, 0, sysdate(), false, 'interrupted', policy_data` +
          ` from ${state} where status = 'completed' limit 1`,
      },
      {
        sql:
          `insert into ${state} (execution_id, workflow, status, current_step, steps_completed, poll_count, start_time,` +
          ` completed, message) select 'exec_stuck_fakesnow', 'policy_execution', 'policy_created', 'poll_policy_status',` +
          ` 1, 0, dateadd(hour, -3, sysdate()), false, 'stuck'`,
      },
      { query: "model_stuck", sql: "select * from policy_execution_stuck_executions" },
      { dbt: ["run", "--select", "stateful_policy_execution", "--vars", "{gen_summary: true}"] },
      {
        query: "after_resume",
        sql: `select * from ${state} where execution_id in ('exec_resume_fakesnow', 'exec_stuck_fakesnow')`,
      },
      // a terminal failure: recorded in the state table, and the dbt node fails
      { scenario: { requireToken: SECRET, pendingPolls: 0, terminalFailure: true } },
      { dbt: ["run", "--select", "stateful_policy_execution", "--vars", "{gen_summary: true}"] },
      {
        query: "after_failure",
        sql: `select * from ${state} where status = 'error' and execution_id like 'exec_2%'`,
      },
      // auto-restart: the run hooks logged every run, and the plan view RUN_DBT_AUTO_RESTART reads asks for a retry
      {
        query: "run_log",
        sql: "select command, run_type, status, nodes_failed from dbt_run_log order by run_started_at",
      },
      {
        query: "restart_plan",
        sql:
          "select verdict, decision, selector, retry_sequence from gen_restart_plan" +
          " where restart_key = 'run --select stateful_policy_execution'",
      },
      {
        query: "restart_history",
        sql: "select run_status, failed_nodes from v_auto_restart_history order by run_started_at",
      },
      {
        dbt: [
          "run-operation",
          "gen_restart_plan",
          "--args",
          "{key: 'run --select stateful_policy_execution'}",
        ],
      },
      // sync queues nothing on Snowflake: the state table already is there
      { query: "sync_queue", sql: "select count(*) as n from gen_sync_queue" },
      // cleanup deletes completed executions older than retention_days (7), and their attempt rows
      {
        sql:
          `insert into ${state} (execution_id, workflow, status, steps_completed, poll_count, start_time, completed, message)` +
          ` select 'exec_old_fakesnow', 'policy_execution', 'completed', 3, 0, dateadd(day, -30, sysdate()), true, 'old'`,
      },
      {
        sql:
          "insert into policy_execution_attempts (execution_id, workflow, step, attempt, outcome, logged_at)" +
          " select 'exec_old_fakesnow', 'policy_execution', 'create_policy', 1, 'success', dateadd(day, -30, sysdate())",
      },
      { dbt: ["run-operation", "cleanup_policy_execution"] },
      { query: "after_cleanup", sql: `select execution_id, status from ${state}` },
      {
        query: "attempts_after_cleanup",
        sql: "select count(*) as n from policy_execution_attempts where execution_id = 'exec_old_fakesnow'",
      },
      // the alert tests: the last execution failed (above), so the failed-execution alert fails
      { dbt: ["test", "--select", "tag:gen_alert,stateful_policy_execution"] },
      {
        dbt: [
          "test",
          "--select",
          "stateful_policy_execution",
          "stateless_policy_execution",
          "--exclude",
          "tag:gen_alert",
        ],
      },
      { dbt: ["run-operation", "get_policy_execution_state"] },
      { dbt: ["run-operation", "drop_policy_execution_objects"] },
      {
        query: "after_drop",
        sql: "select table_name from information_schema.tables where table_name in ('POLICY_EXECUTION_STATE', 'POLICY_EXECUTION_ATTEMPTS')",
      },
    ];
    ({ report, stdout } = await runNative<Report>(project, {
      database: "EDW",
      schema: "O2C_AUDIT",
      mockUrl: api.url,
      secrets: { POLICY_API_KEY: SECRET },
      steps,
    }));
  }, 240_000);

  afterAll(async () => {
    await api?.close();
  });

  const dbtSteps = () => report.steps.filter((s) => s.step.dbt);

  it("dbt run of the stateful and stateless models (and the monitoring views) succeeds", () => {
    const [first] = dbtSteps();
    expect(first?.success, first?.exception ?? "").toBe(true);
    const summaries = [...stdout.matchAll(/gen-summary (\{.*\})/g)].map(
      (m) => JSON.parse(m[1] as string) as Row,
    );
    expect(summaries.slice(0, 2).map((s) => [s.mode, s.ok, s.status, s.polls])).toEqual([
      ["stateful", true, "completed", 2],
      ["stateless", true, "completed", 2],
    ]);
  });

  it("the state table holds the seed's columns, unquoted, with every transition's result", () => {
    const [row] = rows("state_after_run");
    expect(row).toBeDefined();
    // unquoted identifiers: Snowflake (and fakesnow) report them upper-case
    for (const col of [
      "EXECUTION_ID",
      "POLICY_ID",
      "POLL_COUNT",
      "STATUS",
      "START_TIME",
      "LAST_POLL_TIME",
      "COMPLETED",
      "REQUIRES_CIRCUIT_BREAKER",
      "CIRCUIT_BREAKER_INITIATED",
      "CIRCUIT_BREAKER_COMPLETED",
      "ERROR_MESSAGE",
      "MESSAGE",
      "API_RESPONSE",
      "POLICY_DATA",
      "POLICY_STATUS_RESPONSE",
      "CIRCUIT_BREAKER_RESPONSE",
    ])
      expect(row, col).toHaveProperty(col);
    expect(row?.STATUS).toBe("completed");
    expect(row?.COMPLETED).toBe(true);
    expect(row?.POLL_COUNT).toBe(2);
    expect(row?.CIRCUIT_BREAKER_COMPLETED).toBe(true);
    expect(JSON.parse(String(row?.POLICY_DATA))).toMatchObject({ policy_name: "sample_policy" });
    expect(JSON.parse(String(row?.API_RESPONSE))).toMatchObject({ policy_id: row?.POLICY_ID });
  });

  it("the attempt log has one row per HTTP call, and no table holds the secret", () => {
    const attempts = rows("attempts");
    expect(attempts.map((a) => [a.STEP, a.HTTP_STATUS, a.OUTCOME])).toEqual([
      ["create_policy", 200, "success"],
      ["poll_policy_status", 200, "success"],
      ["poll_policy_status", 200, "success"],
      ["trigger_circuit_breaker", 200, "success"],
    ]);
    const everything = JSON.stringify(report.steps.map((s) => s.rows ?? []));
    expect(everything).not.toContain(SECRET);
    // ... while the API did receive it, through the procedure's handler
    expect(api.requests().some((r) => r.headers["authorization"] === `Bearer ${SECRET}`)).toBe(true);
  });

  it("the seed's monitoring queries run as written", () => {
    expect(rows("seed_current").length).toBeGreaterThanOrEqual(1);
    expect(rows("seed_success_rate")).toEqual([
      { TOTAL_EXECUTIONS: 1, SUCCESSFUL: 1, FAILED: 0, SUCCESS_RATE_PERCENT: 100 },
    ]);
    expect(rows("seed_last_hour").map((r) => r.STATUS)).toEqual(["completed"]);
  });

  it("the monitoring models and the stateless result read back", () => {
    expect(rows("model_success_rate")).toEqual([
      { TOTAL_EXECUTIONS: 1, SUCCESSFUL: 1, FAILED: 0, SUCCESS_RATE_PERCENT: 100 },
    ]);
    expect(rows("model_hourly").map((r) => [r.TOTAL_EXECUTIONS, r.SUCCESSFUL])).toEqual([[1, 1]]);
    const [stateless] = rows("model_stateless");
    expect(stateless?.WORKFLOW_STATUS).toBe("completed");
    expect(String(stateless?.EXECUTION_ID)).toMatch(/^stateless_exec_/);
    expect(JSON.parse(String(stateless?.RESPONSES))).toHaveProperty("trigger_circuit_breaker");
  });

  it("stuck executions show in the monitoring view, then the next run gives them up and resumes the interrupted one", () => {
    expect(rows("model_stuck").map((r) => r.EXECUTION_ID)).toEqual(["exec_stuck_fakesnow"]);
    const run = dbtSteps()[1];
    expect(run?.success, run?.exception ?? "").toBe(true);
    const after = Object.fromEntries(rows("after_resume").map((r) => [r.EXECUTION_ID, r]));
    expect(after.exec_stuck_fakesnow?.STATUS).toBe("error");
    expect(String(after.exec_stuck_fakesnow?.ERROR_MESSAGE)).toMatch(/^stuck: not finished within 1 hours/);
    expect(after.exec_resume_fakesnow?.STATUS).toBe("completed");
    expect(after.exec_resume_fakesnow?.STEPS_COMPLETED).toBe(3);
    const summaries = [...stdout.matchAll(/gen-summary (\{.*\})/g)].map(
      (m) => JSON.parse(m[1] as string) as Row,
    );
    expect(summaries[2]).toMatchObject({ execution_id: "exec_resume_fakesnow", resumed: true, ok: true });
    // resumed at step 2: the policy was not created a second time (one stateful + one stateless creation)
    expect(api.requests().filter((r) => r.endpoint === "create_policy" && r.status === 200)).toHaveLength(3);
  });

  it("a terminal failure is recorded in the state table and fails the dbt node", () => {
    const failed = dbtSteps()[2];
    expect(failed?.success).toBe(false);
    const [row] = rows("after_failure");
    expect(row?.STATUS).toBe("error");
    expect(row?.COMPLETED).toBe(false);
    expect(String(row?.ERROR_MESSAGE)).toContain("terminal status 'failed'");
    expect(row?.END_TIME).not.toBeNull();
  });

  it("auto-restart: the run hooks log every run, and the plan view and operation ask for the same retry", () => {
    expect(rows("run_log")).toEqual([
      { COMMAND: "run", RUN_TYPE: "SELECTIVE RUN", STATUS: "SUCCESS", NODES_FAILED: 0 },
      { COMMAND: "run", RUN_TYPE: "SELECTIVE RUN", STATUS: "SUCCESS", NODES_FAILED: 0 },
      { COMMAND: "run", RUN_TYPE: "SELECTIVE RUN", STATUS: "FAILED", NODES_FAILED: 1 },
    ]);
    const retry = { VERDICT: "retry", DECISION: "SELECTIVE RETRY", SELECTOR: "stateful_policy_execution+" };
    expect(rows("restart_plan")).toEqual([{ ...retry, RETRY_SEQUENCE: 1 }]);
    expect(rows("restart_history").at(-1)).toEqual({
      RUN_STATUS: "FAILED",
      FAILED_NODES: "stateful_policy_execution",
    });
    const printed = /gen-restart-plan (\{.*\})/.exec(stdout);
    expect(printed, "the gen_restart_plan operation printed no plan").not.toBeNull();
    expect(JSON.parse(printed![1] as string)).toMatchObject({
      verdict: "retry",
      decision: "SELECTIVE RETRY",
      selector: "stateful_policy_execution+",
      retry_sequence: 1,
    });
  });

  it("sync queues no execution when the target is Snowflake itself", () => {
    expect(rows("sync_queue")).toEqual([{ N: 0 }]);
  });

  it("cleanup deletes completed executions older than the retention, with their attempt rows", () => {
    const cleanup = dbtSteps().find(
      (st) => st.step.dbt?.join(" ") === "run-operation cleanup_policy_execution",
    );
    expect(cleanup?.success, cleanup?.exception ?? "").toBe(true);
    const ids = rows("after_cleanup").map((r) => r.EXECUTION_ID);
    expect(ids).not.toContain("exec_old_fakesnow");
    expect(ids).toContain("exec_resume_fakesnow");
    expect(ids.length).toBe(4);
    expect(rows("attempts_after_cleanup")).toEqual([{ N: 0 }]);
  });

  it("dbt test, get_<wf>_state and drop_<wf>_objects run on the snowflake target", () => {
    // each step by its command: positions shift whenever a step is added above
    const step = (first: string, ...more: string[]) =>
      dbtSteps().find((st) => st.step.dbt?.join(" ") === [first, ...more].join(" "));
    const alert = step("test", "--select", "tag:gen_alert,stateful_policy_execution");
    const test = step(
      "test",
      "--select",
      "stateful_policy_execution",
      "stateless_policy_execution",
      "--exclude",
      "tag:gen_alert",
    );
    const getState = step("run-operation", "get_policy_execution_state");
    const drop = step("run-operation", "drop_policy_execution_objects");
    // the failed-execution alert runs on Snowflake's SQL and reports the failure the run left
    expect(alert?.success).toBe(false);
    expect(
      alert?.results?.some((r) => /gen_alert_failed_execution/.test(r.unique_id) && r.status === "fail"),
    ).toBe(true);
    expect(test?.results?.length).toBeGreaterThan(0);
    expect(test?.success, test?.exception ?? "").toBe(true);
    expect(getState?.success, getState?.exception ?? "").toBe(true);
    expect(drop?.success, drop?.exception ?? "").toBe(true);
    expect(rows("after_drop")).toEqual([]);
    // none of these three called the API
    expect([test?.rewrites, getState?.rewrites, drop?.rewrites]).toEqual([0, 0, 0]);
  });

  it("only the two primitives were rewritten, and their SQL is what Snowflake gets", () => {
    const calls = report.rewrites.filter((r) => r.kind === "call");
    const waits = report.rewrites.filter((r) => r.kind === "wait");
    expect(calls.length + waits.length).toBe(report.rewrites.length);
    expect(calls.length).toBe(api.requests().length);
    for (const c of calls) {
      expect(c.original).toMatch(
        /^call EDW\.O2C_AUDIT\.POLICY_WORKFLOWS_HTTP_REQUEST\('(GET|POST)', 'http:\/\/127\.0\.0\.1:\d+\//,
      );
      expect(c.sqlglot).toBe("Command"); // sqlglot has no CALL grammar: listed in setup-sql.test.ts's spirit
      expect(c.original).not.toContain(SECRET); // the secret's name travels as a part, never the value
      expect(c.original).toContain('{"secret": "POLICY_API_KEY"}');
      expect(c.original).not.toContain("${secret.");
    }
    expect(waits.length).toBeGreaterThanOrEqual(2);
    for (const w of waits) {
      expect(w.original).toMatch(/^select system\$wait\(2000, 'MILLISECONDS'\) as slept/);
      expect(w.sqlglot).toBe("Select");
    }
  });
});

/** dbt's own create_schemas and gen's run-time macros alike: any CREATE SCHEMA a step sent. */
const createSchemas = (step: StepReport | undefined): string[] =>
  (step?.statements ?? []).filter((sql) => /\bcreate\s+schema\b/i.test(sql));

describe("specs/policy.yaml: schemas come from the setup, and a run creates one only when it is missing", () => {
  let api: MockApi;
  let report: Report;

  beforeAll(async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0 });
    const project = build({
      text: withEndpoint(readFileSync(SPECS[0] as string, "utf8"), api.url),
      name: "policy.yaml",
    });
    const tables = (label: string) => ({
      query: label,
      sql:
        "select table_name from EDW.information_schema.tables where table_schema = 'O2C_AUDIT'" +
        " and table_name in ('DBT_RUN_LOG', 'DBT_MODEL_LOG', 'GEN_SYNC_QUEUE') order by table_name",
    });
    // the run hooks (run log, sync queue) and an operation (sync backfill), first in the schema the setup made
    const runAndOperation = [
      { dbt: ["run", "--select", "gen_restart_plan"] },
      { dbt: ["run-operation", "gen_sync_backfill"] },
    ];
    const dropSchema = { sql: "drop schema EDW.O2C_AUDIT cascade" };
    ({ report } = await runNative<Report>(project, {
      database: "EDW",
      schema: "O2C_AUDIT",
      mockUrl: api.url,
      secrets: { POLICY_API_KEY: SECRET },
      steps: [
        ...runAndOperation,
        tables("tables_present"),
        dropSchema,
        { dbt: ["run-operation", "gen_sync_backfill"] },
        {
          query: "schema_after_operation",
          sql: "select schema_name from EDW.information_schema.schemata where schema_name = 'O2C_AUDIT'",
        },
        dropSchema,
        { dbt: ["run", "--select", "gen_restart_plan"] },
        tables("tables_after_run"),
      ],
    }));
  }, 240_000);

  afterAll(async () => {
    await api?.close();
  });

  const dbtSteps = () => report.steps.filter((s) => s.step.dbt);
  const rows = (label: string): Row[] => {
    const s = report.steps.find((st) => st.step.query === label);
    expect(s?.error, label).toBeUndefined();
    return s?.rows ?? [];
  };

  it("with the schema present, neither the run hooks nor an operation send CREATE SCHEMA", () => {
    const [run, operation] = dbtSteps();
    expect(run?.success, run?.exception ?? "").toBe(true);
    expect(operation?.success, operation?.exception ?? "").toBe(true);
    expect(run?.statements?.length).toBeGreaterThan(10);
    expect(createSchemas(run)).toEqual([]);
    expect(createSchemas(operation)).toEqual([]);
    expect(rows("tables_present").map((r) => r.TABLE_NAME)).toEqual([
      "DBT_MODEL_LOG",
      "DBT_RUN_LOG",
      "GEN_SYNC_QUEUE",
    ]);
  });

  it("with the schema missing, an operation creates it once", () => {
    const operation = dbtSteps()[2];
    expect(operation?.success, operation?.exception ?? "").toBe(true);
    expect(createSchemas(operation)).toHaveLength(1);
    expect(rows("schema_after_operation")).toEqual([{ SCHEMA_NAME: "O2C_AUDIT" }]);
  });

  it("with the schema missing, a run creates it once (dbt before its models; the hooks find it)", () => {
    const run = dbtSteps()[3];
    expect(run?.success, run?.exception ?? "").toBe(true);
    expect(createSchemas(run)).toHaveLength(1);
    expect(rows("tables_after_run").map((r) => r.TABLE_NAME)).toEqual([
      "DBT_MODEL_LOG",
      "DBT_RUN_LOG",
      "GEN_SYNC_QUEUE",
    ]);
  });
});

/**
 * The Snowflake settings a project object needs (warehouse, database, schema, role), added where the spec leaves
 * them out, so that the run below is the same whether or not the example spec names them.
 */
function withSnowflakeSettings(specText: string): { text: string; database: string; schema: string } {
  const spec = load(specText) as { project: { snowflake?: Record<string, string> } };
  const sf = { warehouse: "TRANSFORM_WH", database: "ANALYTICS", schema: "EXPORTS", role: "EXPORT_RUNNER" };
  spec.project.snowflake = { ...sf, ...spec.project.snowflake };
  const { database, schema } = spec.project.snowflake as typeof sf;
  const [db, sch] = schema.includes(".") ? (schema.split(".") as [string, string]) : [database, schema];
  return { text: dump(spec, { lineWidth: -1 }), database: db, schema: sch };
}

describe("specs/data_export.yaml as a task runs it (dbt build), with a failure and a rerun, on fakesnow", () => {
  const TOKEN = "fakesnow-export-t0ken-not-in-any-table";
  let api: MockApi;
  let report: Report;
  let stdout: string;

  beforeAll(async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0, scenario: { pendingPolls: 1 } });
    const spec = withSnowflakeSettings(readFileSync(SPECS[1] as string, "utf8"));
    const project = build({ text: withEndpoint(spec.text, api.url), name: "data_export.yaml" });
    const state = (label: string) => ({
      query: label,
      sql: "select * from export_runs order by start_time, execution_id",
    });
    ({ report, stdout } = await runNative<Report>(project, {
      database: spec.database,
      schema: spec.schema,
      mockUrl: api.url,
      secrets: { EXPORT_API_TOKEN: TOKEN },
      steps: [
        { dbt: ["build"] },
        state("after_build"),
        { query: "http_log", sql: "select * from export_http_log order by logged_at, call_number, attempt" },
        // the export service fails the export: the workflow ends in error and the build fails
        { scenario: { terminalFailure: true } },
        { dbt: ["build"] },
        state("after_failure"),
        // the service is back: the next scheduled build completes a new execution
        { scenario: { terminalFailure: false } },
        { dbt: ["build"] },
        state("after_rerun"),
        { query: "success_rate", sql: "select * from orders_export_success_rate_24h" },
        { query: "stateless", sql: "select * from stateless_orders_export" },
      ],
    }));
  }, 240_000);

  afterAll(async () => {
    await api?.close();
  });

  const dbtSteps = () => report.steps.filter((s) => s.step.dbt);
  const rows = (label: string): Row[] => {
    const s = report.steps.find((st) => st.step.query === label);
    expect(s?.error, label).toBeUndefined();
    return s?.rows ?? [];
  };
  /** status by node name, of one build's results */
  const statuses = (step: StepReport | undefined): Record<string, string> =>
    Object.fromEntries(
      (step?.results ?? []).map((r) => [r.unique_id.split(".").slice(2).join("."), r.status]),
    );
  const tests = (step: StepReport | undefined) =>
    (step?.results ?? []).filter((r) => r.unique_id.startsWith("test."));

  it("build runs both workflows, the monitoring views and dbt's tests, all passing", () => {
    const [first] = dbtSteps();
    expect(first?.success, first?.exception ?? "").toBe(true);
    expect(statuses(first)).toMatchObject({
      stateful_orders_export: "success",
      stateless_orders_export: "success",
      orders_export_success_rate_24h: "success",
      orders_export_stuck_executions: "success",
      orders_export_hourly_stats: "success",
    });
    // schema.yml's tests: unique + not_null + not_null + accepted values (stateful), not_null + accepted values (stateless)
    const passed = tests(first);
    expect(passed).toHaveLength(6);
    expect(passed.filter((t) => t.status !== "pass")).toEqual([]);
  });

  it("the state row holds every step's outputs and flags", () => {
    const [row] = rows("after_build");
    expect(row).toMatchObject({
      WORKFLOW: "orders_export",
      STATUS: "acknowledged",
      COMPLETED: true,
      POLL_COUNT: 2,
      STEPS_COMPLETED: 4,
      ROW_COUNT: "500",
      FIRST_FILE: "part-0001.csv",
      EXPORT_READY: true,
      ACKNOWLEDGED_FLAG: true,
    });
    expect(String(row?.EXPORT_ID)).toMatch(/^exp_/);
    expect(JSON.parse(String(row?.EXPORT_REQUEST))).toEqual({
      dataset: "analytics.orders",
      format: "csv",
      parts: 2,
      rows_per_part: 250,
    });
    expect(rows("http_log").map((r) => [r.STEP, r.HTTP_STATUS, r.OUTCOME])).toEqual([
      ["request_export", 200, "success"],
      ["wait_for_export", 200, "success"],
      ["wait_for_export", 200, "success"],
      ["download_manifest", 200, "success"],
      ["acknowledge_export", 200, "success"],
    ]);
  });

  it("a failed export is recorded in the state table, fails its nodes and skips what depends on them", () => {
    const failed = dbtSteps()[1];
    expect(failed?.success).toBe(false);
    const status = statuses(failed);
    expect(status.stateful_orders_export).toBe("error");
    expect(status.stateless_orders_export).toBe("error");
    expect(status.orders_export_success_rate_24h).toBe("skipped");
    const errors = rows("after_failure").filter((r) => r.STATUS === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      COMPLETED: false,
      STEPS_COMPLETED: 1,
      CURRENT_STEP: "wait_for_export",
    });
    expect(String(errors[0]?.ERROR_MESSAGE)).toMatch(
      /^step 2\/4 wait_for_export: .*terminal status 'failed'/,
    );
    expect(tests(failed).map((t) => t.status)).toEqual(Array(6).fill("skipped"));
  });

  it("the rerun completes a new execution, and the monitoring counts both outcomes", () => {
    const rerun = dbtSteps()[2];
    expect(rerun?.success, rerun?.exception ?? "").toBe(true);
    expect(tests(rerun).map((t) => t.status)).toEqual(Array(6).fill("pass"));
    expect(rows("after_rerun").map((r) => r.STATUS)).toEqual(["acknowledged", "error", "acknowledged"]);
    expect(rows("success_rate")).toEqual([
      { TOTAL_EXECUTIONS: 3, SUCCESSFUL: 2, FAILED: 1, SUCCESS_RATE_PERCENT: 66.67 },
    ]);
    expect(rows("stateless")).toMatchObject([{ WORKFLOW_STATUS: "acknowledged", ROW_COUNT: "500" }]);
  });

  it("no step called env_var(), and the token reached the service only through the procedure", () => {
    expect(report.env_var_contexts_patched).toBeGreaterThan(0);
    expect(stdout).not.toContain("env_var() is not available");
    const requests = api.requests();
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.headers["x-api-key"] === TOKEN)).toBe(true);
    expect(JSON.stringify(report.steps.map((s) => s.rows ?? []))).not.toContain(TOKEN);
    for (const step of dbtSteps()) expect(step.statements?.join("\n")).not.toContain(TOKEN);
  });
});

describe("specs/policy.yaml: inputs given per run with --vars, as a task's args give them (no env_var)", () => {
  let api: MockApi;
  let report: Report;

  beforeAll(async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0 });
    const project = build({
      text: withEndpoint(readFileSync(SPECS[0] as string, "utf8"), api.url),
      name: "policy.yaml",
    });
    ({ report } = await runNative<Report>(project, {
      database: "EDW",
      schema: "O2C_AUDIT",
      mockUrl: api.url,
      secrets: { POLICY_API_KEY: SECRET },
      steps: [
        {
          dbt: [
            "run",
            "--select",
            "stateless_policy_execution",
            "--vars",
            // a value given per run is text: a ${secret.X} in it is not resolved
            "{policy_execution: {policy_name: given_per_run, created_by: '${secret.POLICY_API_KEY}'}}",
          ],
        },
        {
          dbt: [
            "run",
            "--select",
            "stateless_policy_execution",
            "--vars",
            "{policy_execution: {polcy_name: x}}",
          ],
        },
      ],
    }));
  }, 300_000);

  afterAll(async () => {
    await api?.close();
  });

  it("reach the API under EXECUTE DBT PROJECT; an undeclared name is refused before any call", () => {
    const [given, misspelt] = report.steps.filter((s) => s.step.dbt);
    expect(report.env_var_contexts_patched).toBeGreaterThan(0);
    expect(given?.success, given?.exception ?? "").toBe(true);
    const creates = api.requests().filter((r) => r.endpoint === "create_policy");
    expect(creates).toHaveLength(1);
    expect(creates[0]?.body).toMatchObject({
      policy_name: "given_per_run",
      created_by: "${secret.POLICY_API_KEY}",
      policy_type: "data_governance",
    });
    expect(JSON.stringify(creates[0]?.body)).not.toContain(SECRET);
    // the misspelt name failed its node, and no second create was made (above)
    expect(misspelt?.success).toBe(false);
    expect(misspelt?.results?.map((r) => r.status)).toContain("error");
  });
});
