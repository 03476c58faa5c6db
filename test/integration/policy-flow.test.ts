import { describe, expect, it } from "vitest";
import { SEED_STATE_COLUMNS, TEST_SECRET, useProjects, type Project } from "./harness.ts";

// Real dbt + real DuckDB + the bundled mock API on 127.0.0.1: nothing here imitates an engine.
describe("specs/policy.yaml on DuckDB", { timeout: 180_000 }, () => {
  const build = useProjects();
  let project: Project | undefined;

  it("stateful success with 2 pending polls records every step", async () => {
    project = await build({ file: "specs/policy.yaml" }, { pendingPolls: 2 });
    const run = await project.dbt(["run", "--select", "stateful_policy_execution"]);
    expect(run.exitCode, run.output).toBe(0);

    const rows = await project.query("select * from policy_execution_state");
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      workflow: "policy_execution",
      status: "completed",
      poll_count: 3,
      completed: true,
      requires_circuit_breaker: true,
      circuit_breaker_initiated: true,
      circuit_breaker_completed: true,
      current_step: "trigger_circuit_breaker",
      steps_completed: 3,
      error_message: null,
    });
    // the seed's state table, column for column (plus the generic ones)
    for (const col of SEED_STATE_COLUMNS) expect(Object.keys(row)).toContain(col);

    const created = project.api.requests().filter((r) => r.endpoint === "create_policy");
    expect(created).toHaveLength(1);
    expect(row.policy_id).toBe(JSON.parse(String(row.api_response)).policy_id);
    expect(created[0]!.headers["authorization"]).toBe(`Bearer ${TEST_SECRET}`);
    expect(created[0]!.headers["idempotency-key"]).toBe(row.execution_id);
    expect(created[0]!.body).toEqual(JSON.parse(String(row.policy_data)));

    const attempts = await project.query(
      "select step, call_number, attempt, http_status, outcome from policy_execution_attempts order by logged_at",
    );
    expect(attempts).toHaveLength(5);
    expect(attempts.map((a) => a.step)).toEqual([
      "create_policy",
      "poll_policy_status",
      "poll_policy_status",
      "poll_policy_status",
      "trigger_circuit_breaker",
    ]);
    expect(attempts.every((a) => a.http_status === 200 && a.outcome === "success")).toBe(true);
    expect(project.api.requests()).toHaveLength(5);

    const circuit = project.api.requests().find((r) => r.endpoint === "circuit")!;
    expect((circuit.body as Record<string, unknown>).policy_id).toBe(row.policy_id);
    expect(run.summaries).toMatchObject([
      { workflow: "policy_execution", mode: "stateful", ok: true, polls: 3, http_calls: 5 },
    ]);
  });

  it("stateless success writes no state: only the result model exists", async () => {
    project = await build({ file: "specs/policy.yaml" }, { pendingPolls: 1 });
    const run = await project.dbt(["run", "--select", "stateless_policy_execution"]);
    expect(run.exitCode, run.output).toBe(0);
    // besides the result, only the project's run log (auto_restart) and the sync queue (sync), which a
    // stateless execution never enters: no state of the workflow
    expect(await project.tables()).toEqual([
      "dbt_model_log",
      "dbt_run_log",
      "gen_sync_queue",
      "stateless_policy_execution",
    ]);
    expect(await project.query("select count(*) as n from dbt_model_log")).toEqual([{ n: 1 }]);
    expect(await project.query("select count(*) as n from gen_sync_queue")).toEqual([{ n: 0 }]);
    const rows = await project.query("select * from stateless_policy_execution");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      workflow_status: "completed",
      poll_count: 2,
      http_calls: 4,
      steps_completed: 3,
    });
    const created = project.api.requests().find((r) => r.endpoint === "create_policy")!;
    expect(rows[0]!.policy_id).toBeTruthy();
    expect(project.api.requests().filter((r) => r.endpoint === "circuit")).toHaveLength(1);
    expect(created.headers["idempotency-key"]).toBe(rows[0]!.execution_id);
  });

  it("a poll that exhausts max_attempts records the error and fails the dbt node", async () => {
    project = await build({ file: "specs/policy.yaml" }, { pendingPolls: 1000 });
    const run = await project.dbt(["run", "--select", "stateful_policy_execution"]);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(
      /poll_policy_status: still pending after 3 polls \(max_attempts 3 exhausted\)/,
    );
    const rows = await project.query(
      "select status, completed, poll_count, error_message, circuit_breaker_initiated from policy_execution_state",
    );
    expect(rows).toEqual([
      {
        status: "error",
        completed: false,
        poll_count: 3,
        error_message: "step 2/3 poll_policy_status: still pending after 3 polls (max_attempts 3 exhausted)",
        circuit_breaker_initiated: false,
      },
    ]);
    // no sleep after the last poll, no circuit breaker call
    expect(project.api.requests().filter((r) => r.endpoint === "circuit")).toHaveLength(0);
    expect(await project.query("select count(*) as n from policy_execution_attempts")).toEqual([{ n: 4 }]);
  });

  it("operations: run_, get_..._state, gen_run_query, cleanup_, drop_..._objects", async () => {
    project = await build({ file: "specs/policy.yaml" });
    const op = (name: string, args?: string) =>
      project!.dbt(["run-operation", name, ...(args ? ["--args", args] : [])]);
    const stateless = await op("run_policy_execution", "{mode: stateless}");
    expect(stateless.exitCode, stateless.output).toBe(0);
    expect(await project.tables()).toEqual([]); // stateless: nothing written
    const stateful = await op("run_policy_execution");
    expect(stateful.exitCode, stateful.output).toBe(0);
    expect(stateful.output).toMatch(/Workflow result: Workflow completed successfully/);
    // the tables the runtime created have the columns schema.yml's source describes
    const columnsOf = async (table: string) =>
      (
        await project!.query(
          `select column_name from information_schema.columns where table_name = '${table}' order by ordinal_position`,
        )
      ).map((r) => String(r.column_name));
    const wf = project.plan.workflows.find((w) => w.name === "policy_execution")!;
    expect(await columnsOf(wf.definition.state.table)).toEqual(wf.stateColumns.map((c) => c.name));
    expect(await columnsOf(wf.definition.state.attempt_log_table)).toEqual(
      wf.attemptColumns.map((c) => c.name),
    );
    const shown = await op("get_policy_execution_state");
    expect(shown.output).toMatch(/\| execution_id +\| status/);
    expect(shown.output).toContain(stateful.summaries[0]!.execution_id);
    const q = await op("gen_run_query", '{sql: "select count(*) as executions from policy_execution_state"}');
    expect(q.output).toMatch(/\| executions \|[\s\S]*\| +1 \|/);
    expect((await op("cleanup_policy_execution")).exitCode).toBe(0);
    expect(await project.query("select count(*) as n from policy_execution_state")).toEqual([{ n: 1 }]); // recent: kept
    const bad = await op("run_policy_execution", "{mode: sideways}");
    expect(bad.exitCode).not.toBe(0);
    expect(bad.output).toMatch(/has no mode 'sideways'/);
    expect((await op("drop_policy_execution_objects")).exitCode).toBe(0);
    expect(await project.tables()).toEqual([]);
  });

  it("compile, parse, docs, ls, show and test never call the API", async () => {
    project = await build({ file: "specs/policy.yaml" });
    for (const args of [
      ["compile"],
      ["parse"],
      ["docs", "generate"],
      ["ls"],
      ["show", "-s", "stateless_policy_execution", "--indirect-selection", "empty"],
    ]) {
      const r = await project.dbt(args);
      expect(r.exitCode, `dbt ${args.join(" ")}\n${r.output}`).toBe(0);
    }
    expect(project.api.requests()).toHaveLength(0);
  });
});
