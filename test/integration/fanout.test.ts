import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TEST_SECRET, useProjects, type Project } from "./harness.ts";

// Real dbt + real DuckDB + the bundled mock API: a for_each workflow runs one execution per row of a model.
const SPEC = `
version: 1
project:
  name: fanout_it
connections:
  api:
    base_url: \${env.FANOUT_API_URL:-http://127.0.0.1:1}
    auth: { type: bearer, token: "\${secret.FANOUT_API_KEY}" }
    retry: { max_attempts: 2, backoff_s: 0.01 }
workflows:
  - name: customer_policy
    for_each: { model: active_customers, key: customer_id }
    concurrency: 16
    steps:
      - name: create_policy
        request:
          connection: api
          method: POST
          path: /createpolicy
          body: { policy_name: "policy-\${row.customer_id}", tier: "\${row.tier}" }
        outputs: { policy_id: $.policy_id }
      - name: poll_policy
        request: { connection: api, method: GET, path: "/policy/\${steps.create_policy.policy_id}" }
        poll: { status: $.status, success: [success], pending: [pending], failure: [failed], max_attempts: 4, interval_s: 0.05 }
      - name: trigger_circuit
        request:
          connection: api
          method: POST
          path: /circuit
          body: { policy_id: "\${steps.create_policy.policy_id}" }
        outputs: { circuit_breaker_id: $.circuit_breaker_id }
`;

// Per-row conditions, per-run input and a failure threshold: an export per request row, its manifest's
// row_count (parts x rows_per_part of the row) decides per row whether the export is acknowledged.
const EXPORT_SPEC = `
version: 1
project:
  name: fanout_rows_it
connections:
  api:
    base_url: \${env.FANOUT_ROWS_API_URL:-http://127.0.0.1:1}
    retry: { max_attempts: 2, backoff_s: 0.01 }
workflows:
  - name: request_export
    input: { requester: spec_default }
    for_each: { model: export_requests, key: request_id, max_failed_rows: 1 }
    steps:
      - name: create_export
        request:
          connection: api
          method: POST
          path: /exports
          body: { parts: 2, rows_per_part: "\${row.rows_per_part}", label: "\${input.requester}-\${row.request_id}" }
        outputs: { export_id: $.export.id }
      - name: wait_export
        request: { connection: api, method: GET, path: "/exports/\${steps.create_export.export_id}" }
        poll: { status: $.export.state, success: [done], pending: [queued, running], failure: [failed], max_attempts: 3, interval_s: 0.05 }
      - name: manifest
        request: { connection: api, method: GET, path: "/exports/\${steps.create_export.export_id}/manifest" }
        outputs: { row_count: $.row_count }
      - name: acknowledge
        when: { output: manifest.row_count, not_equals: 0 }
        request: { connection: api, method: POST, path: "/exports/\${steps.create_export.export_id}/ack" }
        flags: { on_success: [acknowledged] }
      - name: confirm
        when: { flag: acknowledged }
        request: { connection: api, method: GET, path: "/exports/\${steps.create_export.export_id}" }
`;

/** Export requests first..last: an even request asks for empty parts (its manifest counts 0 rows). */
function writeExportRequests(project: Project, first: number, last: number): void {
  writeFileSync(
    join(project.dir, "models", "export_requests.sql"),
    `select i as request_id, case when i % 2 = 0 then 0 else 5 end as rows_per_part\n` +
      `from range(${first}, ${last + 1}) as t(i)\n`,
  );
}

/** The user's model of the rows: customers first..last, tier by parity. */
function writeCustomers(project: Project, first: number, last: number): void {
  writeFileSync(
    join(project.dir, "models", "active_customers.sql"),
    `select i as customer_id, case when i % 2 = 0 then 'gold' else 'silver' end as tier\n` +
      `from range(${first}, ${last + 1}) as t(i)\n`,
  );
}

const creates = (project: Project) => project.api.requests().filter((r) => r.endpoint === "create_policy");

describe("for_each on DuckDB", { timeout: 300_000 }, () => {
  const build = useProjects();

  it("200 rows complete with their own outputs, in batches", async () => {
    const project = await build({ text: SPEC }, { pendingPolls: 1 });
    writeCustomers(project, 1, 200);
    const run = await project.dbt(["run"]);
    expect(run.exitCode, run.output).toBe(0);

    const rows = await project.query(
      "select customer_id, status, completed, steps_completed, poll_count, policy_id, circuit_breaker_id, create_policy_response from customer_policy_state order by cast(customer_id as integer)",
    );
    expect(rows).toHaveLength(200);
    expect(rows.map((r) => r.customer_id)).toEqual(Array.from({ length: 200 }, (_, i) => String(i + 1)));
    for (const r of rows) {
      expect(r).toMatchObject({ status: "completed", completed: true, steps_completed: 3, poll_count: 2 });
      expect(r.policy_id).toBe(JSON.parse(String(r.create_policy_response)).policy_id);
    }
    expect(new Set(rows.map((r) => r.policy_id)).size).toBe(200);
    expect(new Set(rows.map((r) => r.circuit_breaker_id)).size).toBe(200);

    // each create carried its own row, the secret and its execution's idempotency key
    const sent = creates(project);
    expect(sent).toHaveLength(200);
    const byPolicyName = new Map(sent.map((r) => [(r.body as { policy_name: string }).policy_name, r]));
    const r7 = byPolicyName.get("policy-7")!;
    expect(r7.body).toEqual({ policy_name: "policy-7", tier: "silver" });
    expect(r7.headers["authorization"]).toBe(`Bearer ${TEST_SECRET}`);
    const exec7 = await project.query(
      "select execution_id from customer_policy_state where customer_id = '7'",
    );
    expect(r7.headers["idempotency-key"]).toBe(`${String(exec7[0]!.execution_id)}:create_policy`);
    // 200 creates, 2 polls each, 200 circuit calls; one attempt-log row per attempt
    expect(project.api.requests()).toHaveLength(800);
    const attempts = await project.query("select count(*) as n from customer_policy_attempts");
    expect(Number(attempts[0]!.n)).toBe(800);
    expect(run.summaries).toMatchObject([
      { workflow: "customer_policy", ok: true, http_calls: 800, rows: { completed: 200 } },
    ]);

    // lineage: the model is a dbt dependency of the workflow model
    const ls = await project.dbt(["ls", "--select", "+stateful_customer_policy", "--output", "name"]);
    expect(ls.output).toMatch(/\bactive_customers\b/);

    // a rerun after completion sends nothing
    const again = await project.dbt(["run", "--select", "stateful_customer_policy"]);
    expect(again.exitCode, again.output).toBe(0);
    expect(project.api.requests()).toHaveLength(800);
  });

  it("one row's API failure leaves the others completed and fails the node", async () => {
    const project = await build({ text: SPEC }, { rejectBodyContaining: '"policy-13"' });
    writeCustomers(project, 1, 30);
    const run = await project.dbt(["run"]);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(
      /customer_policy \(for_each\): 1 of 30 row\(s\) failed \(first: customer_id 13,/,
    );
    expect(run.output).toMatch(/HTTP 422/);
    expect(run.output).toMatch(/rows per status: \{"completed": 29, "error": 1\}/);
    const rows = await project.query(
      "select customer_id, status, completed, error_message from customer_policy_state",
    );
    expect(rows).toHaveLength(30);
    const failed = rows.filter((r) => r.status === "error");
    expect(failed.map((r) => r.customer_id)).toEqual(["13"]);
    expect(String(failed[0]!.error_message)).toMatch(
      /^step 1\/3 create_policy: POST .*\/createpolicy: HTTP 422/,
    );
    expect(rows.filter((r) => r.completed === true)).toHaveLength(29);
    expect(project.api.requests().filter((r) => r.endpoint === "circuit")).toHaveLength(29);
  });

  it("when: per row, skipped rows recorded; per-run input next to the row; failures within max_failed_rows", async () => {
    const project = await build({ text: EXPORT_SPEC }, { rejectBodyContaining: '"night-7"' });
    writeExportRequests(project, 1, 10);
    const vars = JSON.stringify({ request_export: { requester: "night" } });
    const run = await project.dbt(["run", "--vars", vars]);
    // row 7 failed, and one failed row is within max_failed_rows: 1
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(
      /1 of 10 row\(s\) failed, within max_failed_rows 1 \(first: request_id 7,.*HTTP 422.*\); rows per status: \{"completed": 9, "error": 1\}/,
    );
    expect(run.output).toMatch(
      /step 4\/5 acknowledge: 5 row\(s\) skipped \(first: request_id \d+: manifest\.row_count is 0/,
    );
    expect(run.summaries).toMatchObject([
      { workflow: "request_export", ok: true, error: null, rows: { completed: 9, error: 1 } },
    ]);

    // ${input.x} (given per run) and ${row.x} in one request body
    const creates = project.api.requests().filter((r) => r.endpoint === "create_export");
    expect(creates.map((r) => (r.body as { label: string }).label).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `night-${i + 1}`).sort(),
    );
    expect(creates.find((r) => (r.body as { label: string }).label === "night-4")!.body).toEqual({
      parts: 2,
      rows_per_part: 0,
      label: "night-4",
    });
    const state = await project.query(
      "select request_id, status, completed, steps_completed, acknowledged, input_data::varchar as input from request_export_state order by cast(request_id as integer)",
    );
    expect(state.map((r) => [r.request_id, r.status])).toEqual(
      Array.from({ length: 10 }, (_, i) => [String(i + 1), i + 1 === 7 ? "error" : "completed"]),
    );
    for (const r of state) expect(JSON.parse(String(r.input))).toEqual({ requester: "night" });
    // the acknowledgement (and the confirmation, on its flag) only for the odd rows that got there
    expect(state.filter((r) => r.acknowledged === true).map((r) => r.request_id)).toEqual([
      "1",
      "3",
      "5",
      "9",
    ]);
    const acks = project.api.requests().filter((r) => r.endpoint === "ack_export");
    expect(acks).toHaveLength(4);
    const log = await project.query(
      "select s.request_id, a.step, a.outcome, a.http_method from request_export_attempts a join request_export_state s using (execution_id) where a.outcome = 'skipped' order by cast(s.request_id as integer), a.step_index",
    );
    expect(log.map((l) => `${String(l.request_id)}:${String(l.step)}`)).toEqual(
      ["2", "4", "6", "8", "10"].flatMap((k) => [`${k}:acknowledge`, `${k}:confirm`]),
    );
    expect(log.every((l) => l.http_method === null)).toBe(true);
    const confirms = project.api
      .requests()
      .filter((r) => r.endpoint === "get_export" && r.seq > acks[0]!.seq);
    expect(confirms).toHaveLength(4);

    // run-operation gives the input too; row 7 starts again with it, new rows 11 and 12 fail: more than 1
    project.api.setScenario({ rejectBodyContaining: '"day-1' });
    writeExportRequests(project, 1, 12);
    expect((await project.dbt(["run", "--select", "export_requests"])).exitCode).toBe(0);
    const args = JSON.stringify({ input: { requester: "day" } });
    const again = await project.dbt(["run-operation", "run_request_export", "--args", args]);
    expect(again.exitCode).not.toBe(0);
    expect(again.output).toMatch(
      /2 of 3 row\(s\) failed, more than max_failed_rows 1 \(first: request_id 1[12],/,
    );
    const later = project.api
      .requests()
      .filter((r) => r.endpoint === "create_export")
      .slice(10)
      .map((r) => (r.body as { label: string }).label);
    expect(later.sort()).toEqual(["day-11", "day-12", "day-7"]);
  });

  it("new rows run on the next run, completed ones do not", async () => {
    const project = await build({ text: SPEC });
    writeCustomers(project, 1, 20);
    expect((await project.dbt(["run"])).exitCode).toBe(0);
    expect(creates(project)).toHaveLength(20);

    writeCustomers(project, 1, 25);
    const run = await project.dbt(["run"]);
    expect(run.exitCode, run.output).toBe(0);
    const sent = creates(project).map((r) => (r.body as { policy_name: string }).policy_name);
    expect(sent).toHaveLength(25);
    expect(sent.slice(20).sort()).toEqual(["policy-21", "policy-22", "policy-23", "policy-24", "policy-25"]);
    const rows = await project.query(
      "select count(*) as n, count(distinct customer_id) as keys from customer_policy_state where completed",
    );
    expect(rows[0]).toMatchObject({ n: 25, keys: 25 });
  });

  it("typed outputs land in typed columns; a value that does not convert fails its row, naming the output", async () => {
    const typed = (score: string) =>
      SPEC.replace(
        "poll: { status: $.status, success: [success], pending: [pending], failure: [failed], max_attempts: 4, interval_s: 0.05 }",
        "poll: { status: $.status, success: [success], pending: [pending], failure: [failed], max_attempts: 4, interval_s: 0.05 }\n" +
          `        outputs: { compliance_score: { path: ${score}, type: number }, ready: { path: $.completed, type: boolean }, ready_at: { path: $.ready_at, type: timestamp } }`,
      );
    const project = await build({ text: typed("$.compliance_score") });
    writeCustomers(project, 1, 6);
    const run = await project.dbt(["run"]);
    expect(run.exitCode, run.output).toBe(0);
    const types = await project.query(
      "select column_name, data_type from information_schema.columns where table_name = 'customer_policy_state' and column_name in ('compliance_score', 'ready', 'ready_at') order by 1",
    );
    expect(types).toEqual([
      { column_name: "compliance_score", data_type: "DOUBLE" },
      { column_name: "ready", data_type: "BOOLEAN" },
      { column_name: "ready_at", data_type: "TIMESTAMP" },
    ]);
    const rows = await project.query(
      "select compliance_score, ready, completed from customer_policy_state order by cast(customer_id as integer)",
    );
    expect(rows).toEqual(
      Array.from({ length: 6 }, () => ({ compliance_score: 99.5, ready: true, completed: true })),
    );

    // the same output read from a text field: every row's poll fails on it, after the calls, and says why
    project.rebuild(typed("$.message"));
    writeCustomers(project, 7, 9);
    const bad = await project.dbt(["run"]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.output).toMatch(/3 of 3 row\(s\) failed/);
    const failed = await project.query(
      "select status, error_message from customer_policy_state where cast(customer_id as integer) > 6",
    );
    expect(failed).toHaveLength(3);
    for (const r of failed) {
      expect(r.status).toBe("error");
      expect(String(r.error_message)).toMatch(
        /step 2\/3 poll_policy: GET .*: HTTP 200: output compliance_score: \$\.message is "Policy is ready for circuit breaker", which does not convert to number/,
      );
    }
  });
});
