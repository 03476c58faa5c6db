import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDbt } from "../../generator/dbt/index.ts";
import { useProjects, useTempDirs, PYTHON, type Project } from "./harness.ts";
import { execa } from "execa";

// The generated project also works as a local package inside an existing dbt project.
const tempDir = useTempDirs("gen-root-");

describe("as a local package", { timeout: 180_000 }, () => {
  const build = useProjects();
  let project: Project | undefined;

  it("runs its workflow from the root project", async () => {
    project = await build({ file: "specs/policy.yaml" });
    const root = tempDir();
    mkdirSync(join(root, "models"));
    writeFileSync(join(root, "models", "mine.sql"), "select 1 as x\n");
    writeFileSync(
      join(root, "dbt_project.yml"),
      "name: my_analytics\nversion: '1.0.0'\nconfig-version: 2\nprofile: my_analytics\n",
    );
    writeFileSync(join(root, "packages.yml"), `packages:\n  - local: ${JSON.stringify(project.dir)}\n`);
    writeFileSync(
      join(root, "profiles.yml"),
      [
        "my_analytics:",
        "  target: dev",
        "  outputs:",
        "    dev:",
        "      type: duckdb",
        "      path: root.duckdb",
        '      module_paths: ["dbt_packages/policy_workflows/plugins"]',
        "      plugins: [{ module: gen_duckdb_plugin }]",
        "",
      ].join("\n"),
    );
    const deps = await runDbt(root, ["deps"], { env: project.env });
    expect(deps.exitCode, deps.output).toBe(0);
    const run = await runDbt(root, ["run", "--select", "policy_workflows", "mine"], { env: project.env });
    expect(run.exitCode, run.output).toBe(0);
    expect(run.summaries.map((s) => `${s.mode}:${s.status}`).sort()).toEqual([
      "stateful:completed",
      "stateless:completed",
    ]);
    const r = await execa(PYTHON, [
      "-c",
      "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); print(c.execute('select count(*) from policy_execution_state where completed').fetchone()[0], c.execute('select x from mine').fetchone()[0])",
      join(root, "root.duckdb"),
    ]);
    expect(r.stdout.trim()).toBe("1 1");
  });
});
