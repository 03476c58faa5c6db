import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DbtRunResult } from "../../generator/dbt/index.ts";
import type { RequestLogEntry } from "../../generator/mockapi/index.ts";
import { useProjects, type Project } from "./harness.ts";

// Real dbt + real DuckDB + the mock API: a for_each run killed (SIGKILL) mid-way resumes on the next run.
// The mock API answers every call after 100 ms and keeps each policy pending for 3 polls, so that with 4 calls
// in flight the 50 creates take over a second and the polls several: the test kills dbt in the middle of each.
const SPEC = `
version: 1
project:
  name: fanout_resume_it
connections:
  api:
    base_url: \${env.FANOUT_RESUME_API_URL:-http://127.0.0.1:1}
    retry: { max_attempts: 2, backoff_s: 0.01 }
workflows:
  - name: customer_policy
    input: { channel: spec_default }
    for_each: { model: active_customers, key: customer_id }
    concurrency: 4
    steps:
      - name: create_policy
        request:
          connection: api
          method: POST
          path: /createpolicy
          body: { policy_name: "policy-\${row.customer_id}", channel: "\${input.channel}" }
        outputs: { policy_id: $.policy_id }
      - name: poll_policy
        request: { connection: api, method: GET, path: "/policy/\${steps.create_policy.policy_id}" }
        # a boolean status, matched as a boolean
        poll: { status: $.completed, success: [true], pending: [false], max_attempts: 10, interval_s: 0.05 }
      - name: trigger_circuit
        request:
          connection: api
          method: POST
          path: /circuit
          body: { policy_id: "\${steps.create_policy.policy_id}", channel: "\${input.channel}" }
`;

const ROWS = 50;

/** Runs `dbt run` with this channel as the run's input and SIGKILLs it once `enough` holds for its requests. */
async function runAndKill(
  project: Project,
  channel: string,
  enough: (sent: RequestLogEntry[]) => boolean,
): Promise<RequestLogEntry[]> {
  const before = project.api.requests().length;
  const sentSince = () => project.api.requests().slice(before);
  const abort = new AbortController();
  const run = project.dbt(["run", "--vars", JSON.stringify({ customer_policy: { channel } })], {
    signal: abort.signal,
    hardKill: true,
  });
  let ended: DbtRunResult | undefined;
  void run.then((r) => (ended = r));
  const deadline = Date.now() + 120_000;
  while (!enough(sentSince())) {
    if (ended) throw new Error(`dbt ended before the kill (exit ${ended.exitCode}):\n${ended.output}`);
    if (Date.now() > deadline) throw new Error("the API did not see the calls to kill at within 120 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  abort.abort();
  expect((await run).exitCode).not.toBe(0);
  return sentSince();
}

const named = (r: RequestLogEntry) => (r.body as { policy_name: string }).policy_name;
const of = (sent: RequestLogEntry[], endpoint: string) => sent.filter((r) => r.endpoint === endpoint);

describe("for_each killed and resumed", { timeout: 300_000 }, () => {
  const build = useProjects();

  it("every key completes with exactly one policy created, and keeps the input it started with", async () => {
    const project = await build({ text: SPEC }, { latencyMs: 100, pendingPolls: 3 });
    writeFileSync(
      join(project.dir, "models", "active_customers.sql"),
      `select i as customer_id from range(1, ${ROWS + 1}) as t(i)\n`,
    );
    const state = () =>
      project.query(
        "select customer_id, execution_id, status, completed, steps_completed, input_data::varchar as input from customer_policy_state order by cast(customer_id as integer)",
      );

    // 1. killed in the middle of the create batch: the calls went out, their answers were never recorded
    const first = await runAndKill(project, "first", (sent) => of(sent, "create_policy").length >= 10);
    const firstCreates = of(first, "create_policy");
    expect(firstCreates.length).toBeLessThan(ROWS);
    const started = await state();
    expect(started).toHaveLength(ROWS);
    for (const r of started) expect(r).toMatchObject({ completed: false, steps_completed: 0 });

    // 2. killed while polling: every create of this run was recorded before the first poll
    const second = await runAndKill(project, "second", (sent) => of(sent, "get_policy").length >= 20);
    const secondCreates = of(second, "create_policy");
    expect(secondCreates).toHaveLength(ROWS);
    const polling = await state();
    expect(polling.map((r) => r.execution_id)).toEqual(started.map((r) => r.execution_id));
    for (const r of polling) expect(r).toMatchObject({ completed: false, steps_completed: 1 });

    // 3. runs to the end: no create at all, each row goes on at its poll
    const before = project.api.requests().length;
    const last = await project.dbt([
      "run",
      "--vars",
      JSON.stringify({ customer_policy: { channel: "third" } }),
    ]);
    expect(last.exitCode, last.output).toBe(0);
    expect(last.output).toContain(`${ROWS} unfinished execution(s) of active_customers`);
    const third = project.api.requests().slice(before);
    expect(of(third, "create_policy")).toHaveLength(0);
    expect(of(third, "circuit")).toHaveLength(ROWS);

    const done = await state();
    expect(done.map((r) => r.execution_id)).toEqual(started.map((r) => r.execution_id));
    for (const r of done) {
      expect(r).toMatchObject({ status: "completed", completed: true, steps_completed: 3 });
      // the input of the run that started the execution, not of the runs that resumed it
      expect(JSON.parse(String(r.input))).toEqual({ channel: "first" });
    }

    // Each key: one policy created at the API. A create whose answer the kill lost was sent again on resume
    // with the same Idempotency-Key, and the API answered it with the policy it had created.
    const creates = [...firstCreates, ...secondCreates];
    const byKey = new Map<string, RequestLogEntry[]>();
    for (const r of creates) byKey.set(named(r), [...(byKey.get(named(r)) ?? []), r]);
    expect(byKey.size).toBe(ROWS);
    for (const [name, sent] of byKey) {
      expect(
        sent.filter((r) => !r.idempotentReplay),
        name,
      ).toHaveLength(1);
      expect(new Set(sent.map((r) => r.headers["idempotency-key"])).size, name).toBe(1);
    }
    expect(creates.filter((r) => r.idempotentReplay)).toHaveLength(firstCreates.length);
    const sentAll = project.api.requests();
    for (const r of [...of(sentAll, "create_policy"), ...of(sentAll, "circuit")])
      expect((r.body as { channel: string }).channel).toBe("first");
  });
});
