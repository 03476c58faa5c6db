// The runtime's own dbt project (runtime/integration_tests/) calls gen's runtime macros on their own with the real
// dbt and DuckDB, and compares their results with the expected output in its seeds. It runs on a copy of
// runtime/ so that the tree stays clean, and a broken expected row makes exactly its test fail.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDbt } from "../../generator/dbt/index.ts";
import { RUNTIME_DIR } from "../../generator/render/index.ts";
import { requireVenv, useTempDirs } from "./harness.ts";

const tempDir = useTempDirs("gen-runtime-tests-");

/** The models of the project, one per group of runtime macros, each with one test against its seed. */
const TESTED = [
  "backoff",
  "column_definition",
  "column_type",
  "json_literal",
  "jsonpath",
  "output_value",
  "resolve_header",
  "resolve_text",
  "resolve_value",
  "restart_plan",
  "retry_target",
  "sql_string",
  "status",
];

interface RunResult {
  unique_id: string;
  status: string;
  failures: number | null;
}

/** `dbt build` of a copy of runtime/ (after `edit`, if given): dbt's output and the results of its tests. */
async function buildCopy(edit?: (projectDir: string) => void) {
  requireVenv();
  const root = tempDir();
  cpSync(RUNTIME_DIR, join(root, "runtime"), { recursive: true });
  const project = join(root, "runtime", "integration_tests");
  edit?.(project);
  const target = join(root, "target");
  const run = await runDbt(project, ["build", "--target-path", target, "--log-path", join(root, "logs")]);
  const results = (
    JSON.parse(readFileSync(join(target, "run_results.json"), "utf8")) as { results: RunResult[] }
  ).results;
  const tests = results.filter((r) => r.unique_id.startsWith("test."));
  const model = (r: RunResult) => TESTED.find((m) => r.unique_id.includes(`matches_expected_${m}_ref_`));
  return { run, results, tests, model };
}

describe("the runtime's integration tests", { timeout: 300_000 }, () => {
  it("pass: every runtime macro group returns the expected output on DuckDB", async () => {
    const { run, results, tests, model } = await buildCopy();
    expect(run.exitCode, run.output).toBe(0);
    expect(tests.map(model).sort()).toEqual(TESTED);
    expect(tests.every((t) => t.status === "pass")).toBe(true);
    // every seed and model built too: nothing skipped
    expect(results.filter((r) => r.status !== "success" && r.status !== "pass")).toEqual([]);
  });

  it("fail on a wrong expected row, naming its test", async () => {
    const { run, tests, model } = await buildCopy((project) => {
      const seed = join(project, "seeds", "status_cases.csv");
      const text = readFileSync(seed, "utf8");
      expect(text).toContain('""status"": ""failed""}",failure\n');
      writeFileSync(
        seed,
        text.replace('""status"": ""failed""}",failure\n', '""status"": ""failed""}",pending\n'),
      );
    });
    expect(run.exitCode).not.toBe(0);
    const failed = tests.filter((t) => t.status !== "pass");
    expect(failed.map(model)).toEqual(["status"]);
    expect(failed[0]?.failures).toBe(1);
  });
});
