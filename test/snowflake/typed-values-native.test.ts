/**
 * Status values of any JSON type, typed outputs and failed stateless runs on the snowflake target, run the way
 * dbt Projects on Snowflake runs the project (the native driver on fakesnow): the mock API's policy status answers
 * `"completed": false`, then `"completed": true` with `compliance_score: 99.5` and a `ready_at` timestamp.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockApi, type MockApi } from "../../generator/mockapi/index.ts";
import { build, removeTempDirs, requireNativeVenv, runNative } from "./helpers.ts";

afterAll(removeTempDirs);

const spec = (url: string) => `version: 1
project:
  name: typed_values
  targets: [duckdb, snowflake]
  snowflake: { warehouse: COMPUTE_WH, database: EDW, schema: TYPED, role: DBT_RUNNER }
connections:
  policy_api:
    base_url: \${env.POLICY_API_ENDPOINT:-${url}}
workflows:
  - name: policy_check
    modes: [stateful, stateless]
    input: { policy_name: typed }
    steps:
      - name: create_policy
        request: { connection: policy_api, method: POST, path: /createpolicy, body: "\${input}" }
        outputs: { policy_id: $.policy_id }
      - name: poll_policy
        request: { connection: policy_api, path: "/policy/\${steps.create_policy.policy_id}" }
        poll: { status: $.completed, success: [true], pending: [false], max_attempts: 3, interval_s: 0 }
        outputs:
          compliance_score: { path: $.compliance_score, type: number }
          ready_at: { path: $.ready_at, type: timestamp }
          is_completed: { path: $.completed, type: boolean }
          poll_details: { path: $, type: json }
`;

type Row = Record<string, unknown>;
interface StepReport {
  step: { dbt?: string[]; query?: string };
  success: boolean;
  rows?: Row[];
  error?: string;
  results?: { unique_id: string; status: string }[];
}

describe("typed values on the snowflake target (native dbt on fakesnow)", () => {
  let api: MockApi;
  let steps: StepReport[];
  const rows = (label: string): Row[] => {
    const s = steps.find((st) => st.step.query === label);
    expect(s?.error, label).toBeUndefined();
    return s?.rows ?? [];
  };
  const columns = (table: string) =>
    "select lower(column_name) as column_name, data_type from information_schema.columns" +
    ` where table_name = '${table}' and lower(column_name) in ('compliance_score', 'ready_at', 'is_completed', 'poll_details')` +
    " order by 1";
  const values =
    "select compliance_score, ready_at, is_completed, poll_details:status::varchar as details_status";

  beforeAll(async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0, scenario: { pendingPolls: 1 } });
    const project = build({ text: spec(api.url), name: "typed.yaml" });
    ({
      report: { steps },
    } = await runNative<{ steps: StepReport[] }>(project, {
      database: "EDW",
      schema: "TYPED",
      mockUrl: api.url,
      secrets: {},
      steps: [
        { dbt: ["run", "--select", "stateful_policy_check", "stateless_policy_check"] },
        { query: "state_columns", sql: columns("POLICY_CHECK_STATE") },
        { query: "result_columns", sql: columns("STATELESS_POLICY_CHECK") },
        { query: "state", sql: `${values}, status from policy_check_state` },
        { query: "result", sql: `${values}, workflow_status from stateless_policy_check` },
        // a stateless run whose first call is refused: its result row says so, and the node fails
        { scenario: { failFirst: 1, failStatus: 400 } },
        { dbt: ["run", "--select", "stateless_policy_check"] },
        {
          query: "failed_result",
          sql: "select workflow_status, message, steps_completed from stateless_policy_check",
        },
      ],
    }));
  }, 240_000);

  afterAll(async () => {
    await api?.close();
  });

  it("the boolean status ends polling, and both tables have typed columns with converted values", () => {
    const run = steps.find((s) => s.step.dbt)!;
    expect(run.success, JSON.stringify(run)).toBe(true);
    for (const label of ["state_columns", "result_columns"]) {
      expect(rows(label).map((r) => [r.COLUMN_NAME ?? r.column_name, r.DATA_TYPE ?? r.data_type])).toEqual([
        ["compliance_score", "FLOAT"],
        ["is_completed", "BOOLEAN"],
        ["poll_details", "VARIANT"],
        ["ready_at", "TIMESTAMP_NTZ"],
      ]);
    }
    for (const label of ["state", "result"]) {
      const [row] = rows(label);
      expect(row?.COMPLIANCE_SCORE).toBe(99.5);
      expect(String(row?.READY_AT)).toMatch(/^2026-01-15[ T]10:30:00/);
      expect(row?.IS_COMPLETED).toBe(true);
      expect(row?.DETAILS_STATUS).toBe("success");
    }
    expect(rows("state")[0]?.STATUS).toBe("completed");
    expect(rows("result")[0]?.WORKFLOW_STATUS).toBe("completed");
  });

  it("a failed stateless run writes its error row, and dbt reports the node as an error", () => {
    const failed = steps.filter((s) => s.step.dbt)[1]!;
    expect(failed.success).toBe(false);
    expect(failed.results?.map((r) => r.status)).toEqual(["error"]);
    const [row] = rows("failed_result");
    expect(row?.WORKFLOW_STATUS).toBe("error");
    expect(String(row?.MESSAGE)).toMatch(/^Workflow failed at step 1\/2 create_policy: .*400/);
    expect(row?.STEPS_COMPLETED).toBe(0);
  });
});
