import { describe, expect, it } from "vitest";
import { TEST_SECRET, useProjects } from "./harness.ts";

const SPEC = { file: "test/fixtures/integration/inputs-when.yaml" };

// Per-run inputs and `when:` conditions, through real dbt runs against the mock API: what the API received
// is the proof (body of the create call, number of circuit calls), then the state and the attempt log.
describe("per-run inputs and step conditions", { timeout: 240_000 }, () => {
  const build = useProjects();

  it("dbt run --vars gives the input; conditions decide which calls are made; skipped steps are recorded", async () => {
    const project = await build(SPEC);
    const vars = JSON.stringify({
      policy_run: { policy_name: "from_vars", note: "${secret.INPUTS_WHEN_TOKEN}" },
    });
    const r = await project.dbt(["run", "--select", "stateful_policy_run", "--vars", vars]);
    expect(r.exitCode, r.output).toBe(0);

    const requests = project.api.requests();
    const create = requests.filter((q) => q.endpoint === "create_policy");
    expect(create).toHaveLength(1);
    expect(create[0]!.body).toEqual({
      policy_name: "from_vars", // given per run
      created_by: project.env.INPUTS_WHEN_CREATOR, // ${env.X:-default} resolved when the run started
      note: "${secret.INPUTS_WHEN_TOKEN}", // a value given per run is text, never a reference
    });
    expect(create[0]!.rawBody).not.toContain(TEST_SECRET);
    // equals "created" and the flag hold; equals "other" and not_equals "created" do not
    const circuits = requests
      .filter((q) => q.endpoint === "circuit")
      .map((q) => (q.body as { via: string }).via);
    expect(circuits).toEqual(["equals", "flag"]);

    const [state] = await project.query(
      "select status, completed, steps_completed, input_data::varchar as input from policy_run_state",
    );
    expect(state).toMatchObject({ status: "completed", completed: true, steps_completed: 5 });
    expect(JSON.parse(String(state!.input))).toMatchObject({ policy_name: "from_vars" });
    const log = await project.query(
      "select step, outcome, http_method from policy_run_attempts order by logged_at, step_index",
    );
    expect(log.map((l) => [l.step, l.outcome])).toEqual([
      ["create_policy", "success"],
      ["when_created", "success"],
      ["when_other", "skipped"],
      ["when_flag", "success"],
      ["when_not_created", "skipped"],
    ]);
    expect(log.find((l) => l.outcome === "skipped")!.http_method).toBeNull();
  });

  it("run-operation takes the input as an argument; an undeclared input name is refused", async () => {
    const project = await build(SPEC);
    const args = JSON.stringify({ mode: "stateless", input: { policy_name: "from_args" } });
    const ok = await project.dbt(["run-operation", "run_policy_run", "--args", args]);
    expect(ok.exitCode, ok.output).toBe(0);
    const create = project.api.requests().filter((q) => q.endpoint === "create_policy");
    expect(create.map((q) => (q.body as { policy_name: string }).policy_name)).toEqual(["from_args"]);
    expect(ok.output).toContain("when_other skipped");

    const bad = JSON.stringify({ mode: "stateless", input: { polcy_name: "x" } });
    const refused = await project.dbt(["run-operation", "run_policy_run", "--args", bad]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toContain("has no input 'polcy_name'");
    expect(project.api.requests().filter((q) => q.endpoint === "create_policy")).toHaveLength(1);
  });
});
