import { describe, expect, it } from "vitest";
import { useProjects, type Project } from "./harness.ts";

// Real dbt + real DuckDB: retention with `state.archive: true` (specs/data_export.yaml) moves expired executions
// to the archive tables; drop_<wf>_objects leaves no table or view of the workflow behind.
describe("archiving and dropping a workflow's objects", { timeout: 240_000 }, () => {
  const build = useProjects();
  let project: Project | undefined;

  it("the cleanup moves old executions and their attempts to the archive tables; recent ones stay", async () => {
    project = await build({ file: "specs/data_export.yaml" });
    for (let i = 0; i < 2; i++) {
      const run = await project.dbt(["run", "--select", "stateful_orders_export"]);
      expect(run.exitCode, run.output).toBe(0);
    }
    const executions = (await project.query("select execution_id from export_runs order by start_time")).map(
      (r) => String(r.execution_id),
    );
    expect(executions).toHaveLength(2);
    const [old, recent] = executions as [string, string];
    await project.exec(
      `update export_runs set start_time = start_time - interval 40 day where execution_id = '${old}'`,
    );
    const before = await project.query(`select * from export_runs where execution_id = '${old}'`);
    const attemptsBefore = await project.query(
      `select * from export_http_log where execution_id = '${old}' order by logged_at, attempt`,
    );
    expect(attemptsBefore.length).toBeGreaterThan(0);

    const cleanup = await project.dbt(["run-operation", "cleanup_orders_export"]);
    expect(cleanup.exitCode, cleanup.output).toBe(0);
    expect(cleanup.output).toMatch(/Archived completed executions of orders_export older than 30 days/);

    // moved: row for row, column for column
    expect(await project.query("select * from export_runs_archive")).toEqual(before);
    expect(await project.query("select * from export_http_log_archive order by logged_at, attempt")).toEqual(
      attemptsBefore,
    );
    // recent: kept, with its attempts
    expect(await project.query("select execution_id from export_runs")).toEqual([{ execution_id: recent }]);
    expect(
      await project.query(`select count(*) as n from export_http_log where execution_id = '${old}'`),
    ).toEqual([{ n: 0 }]);
    expect(
      await project.query(`select count(*) as n from export_http_log where execution_id = '${recent}'`),
    ).toEqual([{ n: attemptsBefore.length }]);

    // a second cleanup finds nothing to move and duplicates nothing
    expect((await project.dbt(["run-operation", "cleanup_orders_export"])).exitCode).toBe(0);
    expect(await project.query("select count(*) as n from export_runs_archive")).toEqual([{ n: 1 }]);
    expect(await project.query("select count(*) as n from export_http_log_archive")).toEqual([
      { n: attemptsBefore.length },
    ]);

    // drop_<wf>_objects: after a full run (state, attempt log, archives, views, the stateless result table)
    const run = await project.dbt(["run"]);
    expect(run.exitCode, run.output).toBe(0);
    expect(await project.tables()).toContain("stateless_orders_export");
    const drop = await project.dbt(["run-operation", "drop_orders_export_objects"]);
    expect(drop.exitCode, drop.output).toBe(0);
    expect(await project.tables()).toEqual([]);
  });

  it("a stateless-only workflow has a drop operation that drops its result table", async () => {
    const text = (await import("node:fs")).readFileSync("specs/data_export.yaml", "utf8");
    project = await build({
      text: text.replace(/^(\s*)modes: .*$/m, "$1modes: [stateless]"),
      name: "x.yaml",
    });
    expect(text).toMatch(/^\s*modes: /m);
    const run = await project.dbt(["run"]);
    expect(run.exitCode, run.output).toBe(0);
    expect(await project.tables()).toEqual(["stateless_orders_export"]);
    const drop = await project.dbt(["run-operation", "drop_orders_export_objects"]);
    expect(drop.exitCode, drop.output).toBe(0);
    expect(await project.tables()).toEqual([]);
  });
});
