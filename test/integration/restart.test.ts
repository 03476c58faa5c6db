/**
 * Auto-restart on real dbt + DuckDB: the run hooks fill DBT_RUN_LOG / DBT_MODEL_LOG, the gen_restart_plan
 * operation and view read them, and `gen restart` (restartProject) retries exactly what failed. The node set of
 * a retry is checked against `dbt retry` on the same failure, in a copy of the project that keeps target/.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDbt } from "../../generator/dbt/index.ts";
import { restartProject, type RestartPlan } from "../../generator/restart/index.ts";
import { useProjects, useTempDirs, type Project } from "./harness.ts";

const tempDir = useTempDirs("gen-restart-");

/** User models next to the generated ones: one that fails while GEN_TEST_BREAK=1, its child, a bystander. */
function addUserModels(project: Project): void {
  const models = join(project.dir, "models", "mine");
  mkdirSync(models, { recursive: true });
  writeFileSync(
    join(models, "mine_fragile.sql"),
    "{{ config(materialized='table') }}\n" +
      "{% if env_var('GEN_TEST_BREAK', '') == '1' %}select cast('boom' as integer) as x\n" +
      "{% else %}select 1 as x{% endif %}\n",
  );
  writeFileSync(join(models, "mine_child.sql"), "select x + 1 as y from {{ ref('mine_fragile') }}\n");
  writeFileSync(join(models, "mine_ok.sql"), "{{ config(materialized='table') }}\nselect 42 as answer\n");
  mkdirSync(join(project.dir, "tests"), { recursive: true });
  writeFileSync(
    join(project.dir, "tests", "assert_mine_ok.sql"),
    "select * from {{ ref('mine_ok') }} where {{ env_var('GEN_TEST_FAIL_TEST', '0') }} = 1\n",
  );
}

/** unique_ids of the nodes the last dbt command in `dir` executed (hooks left out) */
function executedNodes(dir: string): string[] {
  const results = JSON.parse(readFileSync(join(dir, "target", "run_results.json"), "utf8")) as {
    results: { unique_id: string }[];
  };
  return results.results
    .map((r) => r.unique_id)
    .filter((id) => !id.startsWith("operation."))
    .sort();
}

/** What `dbt retry` re-runs after the last command in project.dir, in a copy (the original keeps going). */
async function dbtRetryNodes(project: Project, env: NodeJS.ProcessEnv): Promise<string[]> {
  const copy = join(tempDir(), "copy");
  cpSync(project.dir, copy, { recursive: true });
  const retry = await runDbt(copy, ["retry"], { env: { ...project.env, ...env } });
  expect(retry.exitCode, retry.output).toBe(0);
  return executedNodes(copy);
}

async function plan(project: Project, fullArgs = "build"): Promise<RestartPlan> {
  return (await restartProject(project.dir, { env: project.env, dryRun: true, fullArgs })).plan;
}

describe("auto-restart (gen restart) on DuckDB", { timeout: 300_000 }, () => {
  const build = useProjects();

  it("retries the failed model and its descendants only: the nodes dbt retry runs", async () => {
    const project = await build({ file: "specs/policy.yaml" });
    addUserModels(project);
    expect((await plan(project)).verdict).toBe("no_run");

    const failed = await runDbt(project.dir, ["build"], { env: { ...project.env, GEN_TEST_BREAK: "1" } });
    expect(failed.exitCode, failed.output).not.toBe(0);
    const callsAfterBuild = project.api.requests().length;
    expect(callsAfterBuild).toBeGreaterThan(0); // the workflows ran in the full build

    const expected = await dbtRetryNodes(project, {});
    expect(expected).toEqual(["model.policy_workflows.mine_child", "model.policy_workflows.mine_fragile"]);

    const lines: string[] = [];
    const r = await restartProject(project.dir, { env: project.env, onLine: (l) => lines.push(l) });
    expect(r.plan).toMatchObject({
      verdict: "retry",
      decision: "SELECTIVE RETRY",
      selector: "mine_fragile+",
      retry_sequence: 1,
      last_status: "FAILED",
      last_command: "build",
    });
    expect(r.args.slice(0, 4)).toEqual(["build", "--select", "mine_fragile+", "--vars"]);
    expect(r.run?.exitCode, lines.join("\n")).toBe(0);
    expect(executedNodes(project.dir)).toEqual(expected);
    expect(project.api.requests()).toHaveLength(callsAfterBuild); // the retry did not call the API again

    const history = await project.query(
      "select run_kind as run_type, retry_sequence, run_status, failed_nodes, selector from v_auto_restart_history order by run_started_at",
    );
    expect(history).toEqual([
      {
        run_type: "FULL BUILD",
        retry_sequence: 0,
        run_status: "FAILED",
        failed_nodes: "mine_fragile",
        selector: null,
      },
      {
        run_type: "SELECTIVE RETRY",
        retry_sequence: 1,
        run_status: "SUCCESS",
        failed_nodes: null,
        selector: "mine_fragile+",
      },
    ]);
    const logged = await project.query(
      "select node_name, status, retry_target from dbt_model_log where status not in ('success', 'pass') order by node_name",
    );
    expect(logged).toEqual([
      { node_name: "mine_child", status: "skipped", retry_target: "mine_child" },
      { node_name: "mine_fragile", status: "error", retry_target: "mine_fragile" },
    ]);
    // after a successful retry the next run is a full build
    expect(await plan(project)).toMatchObject({
      verdict: "succeeded",
      decision: "FULL BUILD",
      selector: null,
    });
    // the view RUN_DBT_AUTO_RESTART reads says the same as the operation
    const [view] = await project.query(
      "select verdict, decision, selector from gen_restart_plan where restart_key = 'build'",
    );
    expect(view).toEqual({ verdict: "succeeded", decision: "FULL BUILD", selector: null });
  });

  it("a failed test retries its parent model; a failed workflow model is retried and resumes", async () => {
    const project = await build({ file: "specs/policy.yaml" }, { terminalFailure: true });
    addUserModels(project);
    const failed = await runDbt(project.dir, ["build", "--exclude", "mine_fragile+"], {
      env: { ...project.env, GEN_TEST_FAIL_TEST: "1" },
    });
    expect(failed.exitCode, failed.output).not.toBe(0);
    project.api.setScenario({ terminalFailure: false });
    const expected = await dbtRetryNodes(project, {});

    const r = await restartProject(project.dir, { env: project.env });
    expect(r.plan.selector).toBe("mine_ok+ stateful_policy_execution+ stateless_policy_execution+");
    expect(r.run?.exitCode, r.run?.output).toBe(0);
    const ran = executedNodes(project.dir);
    // dbt retry re-runs the failed test, not the model it checks: gen restart rebuilds that model first
    expect(ran).toEqual([...expected, "model.policy_workflows.mine_ok"].sort());
    const [state] = await project.query(
      "select status, completed from policy_execution_state order by start_time desc limit 1",
    );
    expect(state).toEqual({ status: "completed", completed: true });
  });

  it("stops retrying after max_retries and for failures older than max_age_hours", async () => {
    const text = readFileSync("specs/policy.yaml", "utf8").replace("max_retries: 3", "max_retries: 2");
    expect(text).toContain("max_retries: 2");
    const project = await build({ text, name: "policy.yaml" });
    addUserModels(project);
    const broken = { ...project.env, GEN_TEST_BREAK: "1" };
    // a run started by hand is filed under its command and selection, the plan gen restart asks for
    const command = "build --select mine_fragile+ mine_ok";
    expect(
      (await runDbt(project.dir, ["build", "-s", "mine_fragile+", "mine_ok"], { env: broken })).exitCode,
    ).not.toBe(0);
    for (const n of [1, 2]) {
      const r = await restartProject(project.dir, { env: broken, fullArgs: command });
      expect(r.plan).toMatchObject({
        decision: "SELECTIVE RETRY",
        retry_sequence: n,
        selector: "mine_fragile+",
      });
      // narrowed to what the command selects itself
      expect(r.args.slice(0, 4)).toEqual([
        "build",
        "--select",
        "mine_fragile+,mine_fragile+",
        "mine_fragile+,mine_ok",
      ]);
      expect(r.run?.exitCode).not.toBe(0);
    }
    expect(await plan(project, command)).toMatchObject({
      verdict: "max_retries",
      decision: "FULL BUILD",
      reason: "2 selective retries in a row already (max_retries 2)",
    });

    // a failure older than max_age_hours (24) is not retried either
    await project.exec(
      "update dbt_run_log set retry_sequence = 0, run_started_at = run_started_at - interval 30 hour",
    );
    const old = await plan(project, command);
    expect(old).toMatchObject({ verdict: "too_old", decision: "FULL BUILD" });
    expect(old.reason).toMatch(/^the last run failed 30(\.\d)? h ago, more than max_age_hours 24/);
  });

  it("records only commands that run nodes; an unfinished run leads to a full build", async () => {
    const project = await build({ file: "specs/policy.yaml" });
    for (const args of [["compile"], ["docs", "generate"], ["ls"], ["parse"]]) {
      const r = await project.dbt(args);
      expect(r.exitCode, r.output).toBe(0);
    }
    await project.dbt(["run-operation", "gen_restart_plan"]);
    expect(await project.query("select * from dbt_run_log")).toEqual([]);
    expect(project.api.requests()).toEqual([]);

    // a run killed before on-run-end stays RUNNING: which nodes failed is unknown, so a full build
    await project.exec(
      "insert into dbt_run_log (run_id, project_name, command, run_type, retry_sequence, status, run_started_at, restart_key)" +
        " values ('killed', 'policy_workflows', 'build', 'FULL BUILD', 0, 'RUNNING', cast(timezone('UTC', now()) as timestamp), 'build')",
    );
    expect(await plan(project)).toMatchObject({ verdict: "unfinished", decision: "FULL BUILD" });
  });
});
