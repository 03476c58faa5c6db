import { describe, expect, it } from "vitest";
import { useProjects } from "./harness.ts";

// Tags are only as good as dbt's selector: the generated configs are checked through `dbt ls --select tag:X`.
describe("dbt tags of the generated models", { timeout: 120_000 }, () => {
  const build = useProjects();

  it("a workflow's tags select its models, gen's own tags select gen's models", async () => {
    const project = await build({ file: "test/fixtures/good-specs/multi.yaml" });
    const ls = async (selector: string) => {
      const r = await project.dbt([
        "ls",
        "--resource-type",
        "model",
        "--output",
        "name",
        "--select",
        selector,
      ]);
      expect(r.exitCode, r.output).toBe(0);
      return r.output
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /^[a-z_0-9]+$/.test(l))
        .sort();
    };
    const stateless = project.plan.workflows.filter((w) => w.stateless).map((w) => w.names.statelessModel);
    const stateful = project.plan.workflows.filter((w) => w.stateful).map((w) => w.names.statefulModel);

    // multi.yaml tags its stateless-only workflow order_sync with `hourly`
    expect(await ls("tag:hourly")).toEqual(["stateless_order_sync"]);
    expect(await ls("tag:gen_stateless")).toEqual([...stateless].sort());
    expect(await ls("tag:gen_stateful")).toEqual([...stateful].sort());
    const all = await ls("tag:gen");
    expect(all).toEqual(expect.arrayContaining([...stateless, ...stateful]));
    expect(all.length).toBeGreaterThan(stateless.length + stateful.length); // the monitoring views too
  });
});
