import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  argsForPlan,
  commandKey,
  parsePlanOutput,
  shellQuote,
  shellSplit,
  type RestartPlan,
} from "../../generator/restart/index.ts";

const base: RestartPlan = {
  restart_key: "build",
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

interface ArgsCase {
  why: string;
  full_args: string;
  plan: Pick<RestartPlan, "decision" | "selector" | "retry_sequence">;
  args: string[];
}
/** Shared with RUN_DBT_AUTO_RESTART's handler (test/snowflake/restart-procedure.test.ts runs it on the same cases). */
const ARGS_CASES = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), "restart-args-cases.json"), "utf8"),
) as ArgsCase[];

describe("gen restart: the dbt command of a plan", () => {
  for (const c of ARGS_CASES)
    it(c.why, () => {
      expect(argsForPlan(c.plan, c.full_args)).toEqual(c.args);
    });

  it("splits and quotes like a shell, so the key of a command is the same however it is spaced", () => {
    expect(shellSplit(`build --vars '{a: "x y"}' -s "b c" d\\ e`)).toEqual([
      "build",
      "--vars",
      '{a: "x y"}',
      "-s",
      "b c",
      "d e",
    ]);
    expect(commandKey("  build   --vars '{a: 1}'")).toBe("build --vars '{a: 1}'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(() => shellSplit("build --vars '{a: 1}")).toThrow(/unclosed '/);
  });

  it("--vars that are not a mapping are refused", () => {
    expect(() =>
      argsForPlan({ decision: "FULL BUILD", selector: null, retry_sequence: 0 }, "build --vars 3"),
    ).toThrow(/not a mapping/);
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
