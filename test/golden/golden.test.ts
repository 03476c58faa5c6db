import { execa } from "execa";
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const specs = readdirSync("specs")
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => `specs/${f}`);

interface CheckReport {
  ok: boolean;
  results: { spec: string; out: string; stale: string[]; missing: string[]; extra: string[] }[];
}

// examples/<project>/ holds the committed output of every spec in specs/ (both targets);
// `gen build --check` fails when it is stale. After a deliberate change:
//   node bin/gen.js build specs/*.yaml -o examples   and read the diff before committing it.
describe("golden output", () => {
  it("every spec in specs/ matches its committed output in examples/", { timeout: 60_000 }, async () => {
    expect(specs.length).toBeGreaterThanOrEqual(2);
    const r = await execa("node", ["bin/gen.js", "build", "--check", "--json", ...specs, "-o", "examples"], {
      reject: false,
      env: { NO_COLOR: "1" },
    });
    expect(r.stderr).not.toMatch(/internal error/);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.results.map((x) => x.spec).sort()).toEqual([...specs].sort());
    for (const result of report.results)
      expect(result, `${result.spec} is stale: node bin/gen.js build specs/*.yaml -o examples`).toMatchObject(
        {
          stale: [],
          missing: [],
          extra: [],
        },
      );
    expect(r.exitCode).toBe(0);
  });

  it("--check exits 1 and names the files when the output is stale", { timeout: 60_000 }, async () => {
    // a copy of the policy project with one file gone and one edited by hand
    const dir = mkdtempSync(join(tmpdir(), "gen-golden-"));
    try {
      cpSync("examples/policy_workflows", dir, { recursive: true });
      rmSync(join(dir, "models", "policy_execution", "stateful_policy_execution.sql"));
      appendFileSync(join(dir, "dbt_project.yml"), "# edited\n");
      const r = await execa("node", ["bin/gen.js", "build", "--check", "specs/policy.yaml", "-o", dir], {
        reject: false,
        env: { NO_COLOR: "1" },
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/models\/policy_execution\/stateful_policy_execution\.sql {2}missing/);
      expect(r.stderr).toMatch(/dbt_project\.yml {2}stale/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
