import { describe, expect, it } from "vitest";
import { useProjects, type Project } from "./harness.ts";

// Real dbt + real DuckDB + the mock API: the alerts block's dbt tests (tag gen_alert) fail `dbt test` after a
// failed execution, pass again after a good one, and only warn with severity warn.
describe("alerts: dbt tests on DuckDB", { timeout: 300_000 }, () => {
  const build = useProjects();
  let project: Project | undefined;

  it("dbt ls lists the alert tests; they fail after a failed execution and pass after a good one", async () => {
    project = await build({ file: "specs/policy.yaml" }, { terminalFailure: true });
    const listed = await project.dbt([
      "ls",
      "--resource-type",
      "test",
      "--select",
      "tag:gen_alert",
      "--output",
      "name",
    ]);
    expect(listed.exitCode, listed.output).toBe(0);
    for (const test of [
      "gen_alert_failed_execution_stateful_policy_execution_",
      "gen_alert_stuck_executions_stateful_policy_execution_60",
      "gen_alert_retries_exhausted_gen_restart_plan_",
      "gen_alert_failed_syncs_gen_sync_failures_",
    ])
      expect(listed.output).toContain(test);

    // a good run first: the stateful model's view exists from then on (a failing run does not replace it)
    project.api.setScenario({ terminalFailure: false });
    const first = await project.dbt(["run", "--select", "stateful_policy_execution"]);
    expect(first.exitCode, first.output).toBe(0);
    const views = await project.dbt(["run", "--select", "gen_restart_plan", "gen_sync_failures"]);
    expect(views.exitCode, views.output).toBe(0);
    expect((await project.dbt(["test", "--select", "tag:gen_alert"])).exitCode).toBe(0);
    project.api.setScenario({ terminalFailure: true });
    const failed = await project.dbt(["run", "--select", "stateful_policy_execution"]);
    expect(failed.exitCode).not.toBe(0);
    const alerting = await project.dbt(["test", "--select", "tag:gen_alert"]);
    expect(alerting.exitCode, alerting.output).not.toBe(0);
    expect(alerting.output).toMatch(/FAIL 1 gen_alert_failed_execution_stateful_policy_execution_/);
    expect(alerting.output).toMatch(/PASS gen_alert_stuck_executions_stateful_policy_execution_60/);

    project.api.setScenario({ terminalFailure: false });
    const good = await project.dbt(["run", "--select", "stateful_policy_execution"]);
    expect(good.exitCode, good.output).toBe(0);
    const clear = await project.dbt(["test", "--select", "tag:gen_alert"]);
    expect(clear.exitCode, clear.output).toBe(0);

    // a stuck execution: unfinished and started two hours ago
    await project.exec(
      "insert into policy_execution_state (execution_id, workflow, status, completed, start_time) " +
        "values ('stuck-1', 'policy_execution', 'pending', false, current_timestamp - interval 2 hour)",
    );
    const stuck = await project.dbt(["test", "--select", "tag:gen_alert"]);
    expect(stuck.exitCode).not.toBe(0);
    expect(stuck.output).toMatch(/FAIL 1 gen_alert_stuck_executions_stateful_policy_execution_60/);
  });

  it("severity warn: the failed execution is reported and dbt test still succeeds", async () => {
    const text = (await import("node:fs")).readFileSync("specs/policy.yaml", "utf8");
    expect(text).toContain("  severity: error\n");
    project = await build({
      text: text.replace("  severity: error\n", "  severity: warn\n"),
      name: "warn.yaml",
    });
    expect((await project.dbt(["run", "--select", "stateful_policy_execution"])).exitCode).toBe(0);
    project.api.setScenario({ terminalFailure: true });
    expect((await project.dbt(["run", "--select", "stateful_policy_execution"])).exitCode).not.toBe(0);
    const warned = await project.dbt([
      "test",
      "--select",
      "gen_alert_failed_execution_stateful_policy_execution_",
    ]);
    expect(warned.exitCode, warned.output).toBe(0);
    expect(warned.output).toMatch(/WARN 1 gen_alert_failed_execution_stateful_policy_execution_/);
  });
});
