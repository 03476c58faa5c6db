// The table of outputs (generator/plan/outputs.ts) is the one list of generated files: it names exactly the
// template files there are, and the plan writes each output when, and only when, its features hold.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildPlan, OUTPUTS, WORKFLOW_PLACEHOLDER } from "../../generator/plan/index.ts";
import { listTemplates } from "../../generator/render/index.ts";
import { parseSpec } from "../../generator/spec/index.ts";

const templates = OUTPUTS.map((o) => o.template);

function plan(text: string) {
  const { spec, diagnostics } = parseSpec(text, "t.yaml");
  if (!spec) throw new Error(JSON.stringify(diagnostics));
  return buildPlan(spec);
}

describe("the table of outputs", () => {
  it("names every template file, and only template files that exist", () => {
    const onDisk = listTemplates();
    expect(
      onDisk.filter((t) => !templates.includes(t)),
      "template files missing from OUTPUTS",
    ).toEqual([]);
    expect(
      templates.filter((t) => !onDisk.includes(t)),
      "OUTPUTS names a template that does not exist",
    ).toEqual([]);
  });

  it("lists each template once, in path order (the order of the generated file list)", () => {
    expect(new Set(templates).size).toBe(templates.length);
    expect(templates).toEqual([...templates].sort());
  });

  it("has a per-workflow output exactly where the template path names the workflow", () => {
    for (const o of OUTPUTS)
      expect(o.template.includes(WORKFLOW_PLACEHOLDER), o.template).toBe(o.scope === "workflow");
  });
});

describe("the files of a plan", () => {
  const policy = readFileSync("specs/policy.yaml", "utf8");
  const paths = (text: string) => plan(text).files.map((f) => f.path);
  const snowflakeOnly = (t: string) => t.startsWith("snowflake/");

  it("follow the features: auto_restart, sync, the snowflake target, the dbt project object", () => {
    const all = paths(policy);
    expect(all).toContain("snowflake/07_auto_restart.sql");
    expect(all).toContain("snowflake/05_dbt_project.sql");
    expect(all).toContain("macros/gen/restart/gen_run_log.sql");

    const noAutoRestart = paths(policy.replace(/^auto_restart:\n(?: .*\n)+/m, ""));
    expect(noAutoRestart.filter((p) => /restart/.test(p))).toEqual([]);

    const noSource = paths(policy.replace(/^ *dbt_project_source:.*\n/m, ""));
    expect(noSource).not.toContain("snowflake/05_dbt_project.sql");
    expect(noSource).toContain("snowflake/04_gen_http_request_procedure.sql");

    const duckdb = paths(policy.replace(/targets: \[[^\]]*\]/, "targets: [duckdb]"));
    expect(duckdb.filter(snowflakeOnly)).toEqual([]);
  });

  it("follow the workflow's modes", () => {
    const statelessOnly = paths(policy.replace("modes: [stateful, stateless]", "modes: [stateless]"));
    const statefulOnly = paths(policy.replace("modes: [stateful, stateless]", "modes: [stateful]"));
    const perWorkflow = (ps: string[]) => ps.filter((p) => p.includes("policy_execution"));
    expect(perWorkflow(statelessOnly).sort()).toEqual([
      "macros/workflows/policy_execution/policy_execution__definition.sql",
      "macros/workflows/policy_execution/run_policy_execution.sql",
      "models/policy_execution/schema.yml",
      "models/policy_execution/stateless_policy_execution.sql",
    ]);
    expect(statefulOnly).not.toContain("models/policy_execution/stateless_policy_execution.sql");
    expect(statefulOnly).toContain("macros/workflows/policy_execution/get_policy_execution_state.sql");
  });
});
