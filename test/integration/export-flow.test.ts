import { describe, expect, it } from "vitest";
import { useProjects, TEST_SECRET, type Project } from "./harness.ts";

// A second spec with 4 steps and entirely different names: nothing in the runtime is policy-specific.
describe("specs/data_export.yaml on DuckDB", { timeout: 180_000 }, () => {
  const build = useProjects();
  let project: Project | undefined;

  it("runs request -> poll -> manifest -> ack, stateful and stateless", async () => {
    project = await build({ file: "specs/data_export.yaml" }, { pendingPolls: 2 });
    const run = await project.dbt(["run"]);
    expect(run.exitCode, run.output).toBe(0);

    const [row] = await project.query("select * from export_runs");
    expect(row).toMatchObject({
      workflow: "orders_export",
      status: "acknowledged",
      completed: true,
      poll_count: 3,
      steps_completed: 4,
      row_count: "500",
      first_file: "part-0001.csv",
      export_ready: true,
      acknowledged_flag: true,
    });
    expect(String(row!.export_id)).toMatch(/^exp_/);
    expect(await project.query("select count(*) as n from export_http_log")).toEqual([{ n: 6 }]);

    const [result] = await project.query("select * from stateless_orders_export");
    expect(result).toMatchObject({ workflow_status: "acknowledged", row_count: "500", steps_completed: 4 });

    const acks = project.api.requests().filter((r) => r.endpoint === "ack_export");
    expect(acks).toHaveLength(2);
    expect(acks[0]!.body).toEqual({ received_rows: "500", checksum: row!.checksum });
    expect(acks[0]!.headers["x-api-key"]).toBe(TEST_SECRET);
    const create = project.api.requests().find((r) => r.endpoint === "create_export")!;
    expect(create.body).toEqual({ dataset: "analytics.orders", format: "csv", parts: 2, rows_per_part: 250 });

    const monitoring = await project.query("select * from orders_export_success_rate_24h");
    expect(monitoring).toEqual([
      { total_executions: 1, successful: 1, failed: 0, success_rate_percent: 100 },
    ]);
  });
});
