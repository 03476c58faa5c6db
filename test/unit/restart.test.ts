import { describe, expect, it } from "vitest";
import { argsForPlan, parsePlanOutput, type RestartPlan } from "../../generator/restart/index.ts";

const base: RestartPlan = {
  verdict: "retry",
  decision: "SELECTIVE RETRY",
  selector: "a+ b+",
  retry_sequence: 1,
  reason: "the last run failed in 2 node(s): retry 1 of 3",
  last_run_id: "r1",
  last_command: "build",
  last_status: "FAILED",
  last_run_started_at: "2026-12-01 06:00:00",
  max_retries: 3,
  max_age_hours: 24,
};

describe("gen restart: the dbt command of a plan", () => {
  it("a retry runs the full build's command on the plan's selection", () => {
    expect(argsForPlan(base, "build")).toEqual(["build", "--select", "a+", "b+"]);
    expect(argsForPlan(base, "  run   --select tag:hourly ")).toEqual(["run", "--select", "a+", "b+"]);
  });

  it("a full build runs the full build's arguments as given", () => {
    const full: RestartPlan = { ...base, verdict: "succeeded", decision: "FULL BUILD", selector: null };
    expect(argsForPlan(full, "run --select tag:hourly")).toEqual(["run", "--select", "tag:hourly"]);
    expect(argsForPlan(full, "")).toEqual(["build"]);
    // a retry verdict without a selector cannot select anything: full build
    expect(argsForPlan({ ...base, selector: null }, "build")).toEqual(["build"]);
  });
});

describe("gen restart: reading the plan the operation prints", () => {
  it("finds the marked line among dbt's log lines and types its numbers", () => {
    const line = JSON.stringify({ ...base, retry_sequence: 2.0, max_retries: 3.0, max_age_hours: 24.0 });
    const plan = parsePlanOutput(
      `06:00:00  Running with dbt=1.11\n06:00:01  gen-restart-plan ${line}\n06:00:01  done\n`,
    );
    expect(plan).toEqual({ ...base, retry_sequence: 2 });
    expect(typeof plan?.retry_sequence).toBe("number");
  });

  it("returns null when the operation printed no plan", () => {
    expect(parsePlanOutput("06:00:00  Encountered an error\n")).toBeNull();
  });
});
