import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useProjects } from "./harness.ts";

// Real dbt + DuckDB against the mock API, whose policy status answers `"completed": false` while pending, then
// `"completed": true` with `compliance_score: 99.5` and `ready_at: "2026-01-15T10:30:00Z"`.
const spec = (poll: string, scoreOutput: string) => `
version: 1
project: { name: typed_values, targets: [duckdb] }
connections:
  policy_api:
    base_url: \${env.POLICY_API_ENDPOINT:-http://127.0.0.1:8787}
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
        poll: { status: $.completed, ${poll}, max_attempts: 4, interval_s: 0 }
        outputs:
          compliance_score: ${scoreOutput}
          ready_at: { path: $.ready_at, type: timestamp }
          is_completed: { path: $.completed, type: boolean }
          poll_details: { path: $, type: json }
          poll_number: $.poll
`;
const BOOLEAN_POLL = "success: [true], pending: [false]";
const NUMBER_OUTPUT = "{ path: $.compliance_score, type: number }";

describe("status values of any JSON type, typed outputs, failed stateless runs", { timeout: 300_000 }, () => {
  const build = useProjects();

  it("polls until completed is true, and writes typed columns on both tables", async () => {
    const project = await build({ text: spec(BOOLEAN_POLL, NUMBER_OUTPUT) }, { pendingPolls: 1 });
    const wf = project.plan.workflows[0]!;
    const run = await project.dbt(["run", "--select", wf.names.statefulModel, wf.names.statelessModel]);
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toContain("poll 1/4 -> false");

    const typesOf = async (table: string) =>
      Object.fromEntries(
        (
          await project.query(
            "select column_name, data_type from information_schema.columns" +
              ` where table_name = '${table}' and column_name in` +
              " ('compliance_score', 'ready_at', 'is_completed', 'poll_details', 'poll_number')",
          )
        ).map((c) => [c.column_name, c.data_type]),
      );
    const expectedTypes = {
      compliance_score: "DOUBLE",
      ready_at: "TIMESTAMP",
      is_completed: "BOOLEAN",
      poll_details: "JSON",
      poll_number: "VARCHAR",
    };
    expect(await typesOf(wf.definition.state.table)).toEqual(expectedTypes);
    expect(await typesOf(wf.names.statelessModel)).toEqual(expectedTypes);

    const values =
      "select compliance_score, cast(ready_at as varchar) as ready_at, is_completed," +
      " poll_details->>'status' as details_status, poll_number";
    const [state] = await project.query(`${values}, status, poll_count from ${wf.definition.state.table}`);
    expect(state).toEqual({
      compliance_score: 99.5,
      ready_at: "2026-01-15 10:30:00",
      is_completed: true,
      details_status: "success",
      poll_number: "2",
      status: "completed",
      poll_count: 2,
    });
    const [result] = await project.query(`${values}, workflow_status from ${wf.names.statelessModel}`);
    expect(result).toEqual({
      compliance_score: 99.5,
      ready_at: "2026-01-15 10:30:00",
      is_completed: true,
      details_status: "success",
      poll_number: "2",
      workflow_status: "completed",
    });
  });

  it('compares statuses by JSON type: the text "true" does not match the boolean true', async () => {
    const project = await build({ text: spec('success: ["true"], pending: ["false"]', NUMBER_OUTPUT) });
    const wf = project.plan.workflows[0]!;
    const run = await project.dbt(["run", "--select", wf.names.statefulModel]);
    expect(run.exitCode).not.toBe(0);
    const [state] = await project.query(`select status, error_message from ${wf.definition.state.table}`);
    expect(state?.status).toBe("error");
    expect(state?.error_message).toContain("unexpected status 'true' (expected one of: true, false)");
  });

  it("a value that does not convert fails the step; a failed stateless run writes its error row, then fails", async () => {
    // the policy id is a UUID: not a number
    const project = await build({ text: spec(BOOLEAN_POLL, "{ path: $.policy_id, type: number }") });
    const wf = project.plan.workflows[0]!;
    const run = await project.dbt(["run", "--select", wf.names.statefulModel, wf.names.statelessModel]);
    expect(run.exitCode).not.toBe(0);
    const conversion =
      /output compliance_score: \$\.policy_id is "[0-9a-f-]{36}", which does not convert to number/;

    const [state] = await project.query(
      `select status, error_message, compliance_score, steps_completed from ${wf.definition.state.table}`,
    );
    expect(state?.status).toBe("error");
    expect(String(state?.error_message)).toMatch(conversion);
    expect(state?.compliance_score).toBeNull();
    expect(state?.steps_completed).toBe(1);

    const rows = await project.query(
      "select workflow_status, message, steps_completed, compliance_score, policy_id" +
        ` from ${wf.names.statelessModel}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.workflow_status).toBe("error");
    expect(String(rows[0]?.message)).toMatch(/^Workflow failed at step 2\/2 poll_policy: /);
    expect(String(rows[0]?.message)).toMatch(conversion);
    expect(rows[0]?.steps_completed).toBe(1);
    expect(rows[0]?.compliance_score).toBeNull();
    expect(rows[0]?.policy_id).toMatch(/^[0-9a-f-]{36}$/); // the output of the step that completed

    // dbt reports both nodes as errors
    const results = (
      JSON.parse(readFileSync(join(project.dir, "target", "run_results.json"), "utf8")) as {
        results: { unique_id: string; status: string; message: string }[];
      }
    ).results;
    const statusOf = (model: string) => results.find((r) => r.unique_id.endsWith(`.${model}`));
    expect(statusOf(wf.names.statelessModel)?.status).toBe("error");
    expect(statusOf(wf.names.statelessModel)?.message).toMatch(conversion);
    expect(statusOf(wf.names.statefulModel)?.status).toBe("error");
  });
});
