import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { useProjects, type Project } from "./harness.ts";

// The fault matrix: real dbt + DuckDB against the mock API's fault scenarios.
// Spec: test/fixtures/integration/fault.yaml (retry 3 attempts, backoff 0.2 s, timeout 1 s, poll max 4).
const SPEC = { file: "test/fixtures/integration/fault.yaml" };
const FAULT_TEXT = readFileSync(SPEC.file, "utf8");
const STATEFUL = ["run", "--select", "stateful_policy_execution"];

type Row = Record<string, unknown>;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("fault matrix (stateful, real dbt)", { timeout: 180_000 }, () => {
  const build = useProjects();
  let project: Project | undefined;

  const state = () => project!.query("select * from policy_execution_state order by start_time");
  const attempts = () =>
    project!.query(
      "select step, call_number, attempt, http_status, outcome, error from policy_execution_attempts order by logged_at, call_number, attempt",
    );

  it("5xx twice then success: retried within the call, one policy", async () => {
    project = await build(SPEC, { failFirst: 2, failStatus: 503 });
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode, run.output).toBe(0);
    const [row] = await state();
    expect(row).toMatchObject({ status: "completed", completed: true });
    const create = (await attempts()).filter((a: Row) => a.step === "create_policy");
    expect(create).toEqual([
      {
        step: "create_policy",
        call_number: 1,
        attempt: 1,
        http_status: 503,
        outcome: "retry",
        error: expect.stringMatching(/503/),
      },
      {
        step: "create_policy",
        call_number: 1,
        attempt: 2,
        http_status: 503,
        outcome: "retry",
        error: expect.stringMatching(/503/),
      },
      {
        step: "create_policy",
        call_number: 1,
        attempt: 3,
        http_status: 200,
        outcome: "success",
        error: null,
      },
    ]);
    const creates = project.api.requests().filter((r) => r.endpoint === "create_policy");
    expect(creates).toHaveLength(3);
    // every retry carried the same idempotency key
    expect(new Set(creates.map((r) => r.headers["idempotency-key"])).size).toBe(1);
  });

  it("429 with Retry-After: waits at least that long, then succeeds", async () => {
    project = await build(SPEC, { failFirst: 1, failStatus: 429, retryAfterS: 1 });
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode, run.output).toBe(0);
    const creates = project.api.requests().filter((r) => r.endpoint === "create_policy");
    expect(creates.map((r) => r.status)).toEqual([429, 200]);
    expect(Date.parse(creates[1]!.at) - Date.parse(creates[0]!.at)).toBeGreaterThanOrEqual(1000);
    expect((await attempts())[0]).toMatchObject({ http_status: 429, outcome: "retry" });
  });

  it("timeout then success", async () => {
    project = await build(SPEC, { hangFirst: 1 });
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode, run.output).toBe(0);
    const [first, second] = await attempts();
    expect(first).toMatchObject({ step: "create_policy", attempt: 1, http_status: null, outcome: "retry" });
    expect(String(first!.error)).toMatch(/timed out|timeout/i);
    expect(second).toMatchObject({ step: "create_policy", attempt: 2, http_status: 200, outcome: "success" });
    expect((await state())[0]).toMatchObject({ status: "completed" });
  });

  it("connection refused for the whole run: error recorded, dbt fails, bounded retries", async () => {
    project = await build(SPEC);
    project.env.POLICY_API_ENDPOINT = `http://127.0.0.1:${await closedPort()}`;
    const started = Date.now();
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    const [row] = await state();
    expect(row).toMatchObject({ status: "error", completed: false, steps_completed: 0 });
    expect(String(row!.error_message)).toMatch(
      /^step 1\/3 create_policy: POST http:\/\/127\.0\.0\.1:\d+\/createpolicy: connection failed after 3 attempts/,
    );
    expect((await attempts()).map((a: Row) => a.outcome)).toEqual(["retry", "retry", "failed"]);
    expect(run.output).toMatch(/connection failed after 3 attempts/);
  });

  it("invalid JSON fails the step at once, naming step, URL and status", async () => {
    project = await build(SPEC, { invalidJsonOn: ["create_policy"] });
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode).not.toBe(0);
    const [row] = await state();
    expect(row).toMatchObject({ status: "error" });
    expect(String(row!.error_message)).toMatch(
      /^step 1\/3 create_policy: POST http:\/\/127\.0\.0\.1:\d+\/createpolicy: HTTP 200: response is not valid JSON/,
    );
    expect(await attempts()).toHaveLength(1);
  });

  it("a 4xx other than 429 is not retried", async () => {
    project = await build(SPEC, { failFirst: 1, failStatus: 400 });
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode).not.toBe(0);
    expect(await attempts()).toEqual([
      expect.objectContaining({ step: "create_policy", attempt: 1, http_status: 400, outcome: "failed" }),
    ]);
    expect(String((await state())[0]!.error_message)).toMatch(/createpolicy: HTTP 400/);
  });

  it("a missing output path fails the step, naming the path", async () => {
    project = await build({
      text: FAULT_TEXT.replace("policy_id: $.policy_id", "policy_id: $.policy.id"),
    });
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode).not.toBe(0);
    expect(String((await state())[0]!.error_message)).toMatch(
      /^step 1\/3 create_policy: POST http:\/\/127\.0\.0\.1:\d+\/createpolicy: HTTP 200: output policy_id: \$\.policy\.id not found in the response$/,
    );
  });

  it("the poll's overall timeout_s is enforced before sleeping past it", async () => {
    project = await build(
      { text: FAULT_TEXT.replace("interval_s: 0.5", "interval_s: 0.5\n          timeout_s: 1.2") },
      { pendingPolls: 1000 },
    );
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode).not.toBe(0);
    const [row] = await state();
    expect(String(row!.error_message)).toMatch(
      /poll_policy_status: still pending after \d polls: the next poll would pass timeout_s 1\.2/,
    );
    expect(Number(row!.poll_count)).toBeLessThan(4);
  });

  it("terminal failed status from the poll stops the workflow", async () => {
    project = await build(SPEC, { pendingPolls: 1, terminalFailure: true });
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode).not.toBe(0);
    const [row] = await state();
    expect(row).toMatchObject({ status: "error", poll_count: 2, steps_completed: 1 });
    expect(String(row!.error_message)).toMatch(
      /poll_policy_status: GET .*\/policy\/.*: terminal status 'failed'/,
    );
    expect(project.api.requests().filter((r) => r.endpoint === "circuit")).toHaveLength(0);
  });

  it("killed during the poll, the next run resumes the same execution: create called once", async () => {
    project = await build(SPEC, { pendingPolls: 1000 });
    const api = project.api;
    const abort = new AbortController();
    const killed = project.dbt(STATEFUL, { signal: abort.signal, hardKill: true });
    await waitFor(() => api.requests().some((r) => r.endpoint === "get_policy"), 60_000);
    abort.abort();
    const first = await killed;
    expect(first.exitCode).not.toBe(0);
    const [interrupted] = await state();
    expect(interrupted).toMatchObject({ status: "policy_created", completed: false, steps_completed: 1 });

    api.setScenario({ pendingPolls: 0 });
    const rerun = await project.dbt(STATEFUL);
    expect(rerun.exitCode, rerun.output).toBe(0);
    expect(rerun.output).toMatch(/resuming at step 2\/3/);
    const rows = await state();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      execution_id: interrupted!.execution_id,
      status: "completed",
      completed: true,
    });
    expect(api.requests().filter((r) => r.endpoint === "create_policy")).toHaveLength(1);
    expect(rerun.summaries[0]).toMatchObject({ resumed: true, execution_id: interrupted!.execution_id });
  });

  it("an execution stuck longer than stuck_after_hours is marked error and a new one starts", async () => {
    project = await build(SPEC, { pendingPolls: 1000 });
    const first = await project.dbt(STATEFUL);
    expect(first.exitCode).not.toBe(0); // poll exhausted -> error; make it look unfinished and old instead
    await project.exec(
      "update policy_execution_state set status = 'policy_created', error_message = null, end_time = null, start_time = start_time - interval 3 hour",
    );
    project.api.setScenario({ pendingPolls: 0 });
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode, run.output).toBe(0);
    const rows = await state();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ status: "error", completed: false });
    expect(String(rows[0]!.error_message)).toMatch(/^stuck: not finished within 1 hours/);
    expect(rows[1]).toMatchObject({ status: "completed", completed: true });
    expect(run.summaries[0]).toMatchObject({ resumed: false });
  });

  it("after a spec change adds an output and a flag, the next run adds the columns and keeps history", async () => {
    project = await build(SPEC);
    expect((await project.dbt(STATEFUL)).exitCode).toBe(0);
    project.rebuild(
      FAULT_TEXT.replace(
        "outputs: { policy_id: $.policy_id }",
        "outputs: { policy_id: $.policy_id, created_status: $.status }",
      ).replace(
        "        sets_status: completed",
        "        sets_status: completed\n        flags: { on_success: [breaker_done] }",
      ),
    );
    const run = await project.dbt(STATEFUL);
    expect(run.exitCode, run.output).toBe(0);
    const rows = await state();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ status: "completed", created_status: null, breaker_done: false });
    expect(rows[1]).toMatchObject({ status: "completed", created_status: "created", breaker_done: true });
  });

  it("two consecutive runs: the second starts a fresh execution", async () => {
    project = await build(SPEC);
    expect((await project.dbt(STATEFUL)).exitCode).toBe(0);
    expect((await project.dbt(STATEFUL)).exitCode).toBe(0);
    const rows = await state();
    expect(rows).toHaveLength(2);
    expect(rows.every((r: Row) => r.status === "completed")).toBe(true);
    expect(rows[0]!.execution_id).not.toBe(rows[1]!.execution_id);
    expect(project.api.requests().filter((r) => r.endpoint === "create_policy")).toHaveLength(2);
  });
});
