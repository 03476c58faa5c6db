// The table of outputs (generator/plan/outputs.ts) is the one list of generated files: it names exactly the
// template files and runtime files there are, and the plan writes each output when, and only when, its
// features hold.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPlan, OUTPUTS, WORKFLOW_PLACEHOLDER } from "../../generator/plan/index.ts";
import { listRuntime, listTemplates, RUNTIME_DIR } from "../../generator/render/index.ts";
import { parseSpec } from "../../generator/spec/index.ts";

const from = (source: string) => OUTPUTS.filter((o) => o.source === source).map((o) => o.from);
const templates = from("template");
const runtime = from("runtime");
const paths = OUTPUTS.map((o) => o.path);

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

  it("names every runtime file, and only runtime files that exist", () => {
    const onDisk = listRuntime();
    expect(
      onDisk.filter((t) => !runtime.includes(t)),
      "runtime files missing from OUTPUTS",
    ).toEqual([]);
    expect(
      runtime.filter((t) => !onDisk.includes(t)),
      "OUTPUTS names a runtime file that does not exist",
    ).toEqual([]);
  });

  it("lists each output once, in path order (the order of the generated file list)", () => {
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toEqual([...paths].sort());
  });

  it("has a per-workflow output exactly where the path names the workflow", () => {
    for (const o of OUTPUTS)
      expect(o.path.includes(WORKFLOW_PLACEHOLDER), o.path).toBe(o.scope === "workflow");
  });

  it("copies the runtime into every project that has its feature, under the same folders", () => {
    // a folder of the runtime per feature: auto-restart's, sync's and fan-out's macros, the HTTP plugins
    const featureOf = (from: string) =>
      from.startsWith("plugins/")
        ? "http"
        : from.startsWith("macros/restart/")
          ? "auto_restart"
          : from.startsWith("macros/sync/")
            ? "sync"
            : from.startsWith("macros/fanout/")
              ? "for_each"
              : "core";
    for (const o of OUTPUTS.filter((o) => o.source === "runtime")) {
      expect(o.features, o.from).toEqual([featureOf(o.from)]);
      expect(o.path, o.from).toBe(o.from.startsWith("macros/") ? `macros/gen/${o.from.slice(7)}` : o.from);
    }
  });
});

describe("the runtime", () => {
  const macroFiles = runtime.filter((f) => f.endsWith(".sql"));
  const text = (f: string) => readFileSync(join(RUNTIME_DIR, f), "utf8");

  it("is fixed text: no file holds a template tag (project facts come from macros/gen/gen_*.sql templates)", () => {
    expect(runtime.length).toBeGreaterThan(30);
    for (const f of runtime) expect(text(f), f).not.toMatch(/<<|>>|<%|%>|<#|#>/);
  });

  it("has one public macro per file, named after it; the others are its adapter variants or private helpers", () => {
    const defined = new Map<string, string>(); // macro -> file
    for (const f of macroFiles)
      for (const m of text(f).matchAll(/\{%-?\s*(?:macro|materialization|test)\s+([A-Za-z_0-9]+)/g))
        defined.set(m[1] as string, f);
    const all = runtime.map(text).join("\n");
    for (const f of macroFiles) {
      const own = (/([^/]+)\.sql$/.exec(f) as RegExpExecArray)[1] as string;
      expect(defined.get(own), `${f} defines ${own}`).toBe(f);
      for (const [name, file] of defined) {
        if (file !== f || name === own || /^[a-z]+__/.test(name)) continue;
        // a helper is private: no other runtime file calls it
        const elsewhere = macroFiles.filter((g) => g !== f && new RegExp(`\\b${name}\\(`).test(text(g)));
        expect(elsewhere, `${name} (in ${f}) is called from other files: give it its own file`).toEqual([]);
      }
    }
    expect(all).not.toContain("<< ns >>");
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
    expect(all).toContain("macros/gen/restart/gen_run_log_start.sql");

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
      "macros/workflows/policy_execution/drop_policy_execution_objects.sql",
      "macros/workflows/policy_execution/policy_execution__definition.sql",
      "macros/workflows/policy_execution/run_policy_execution.sql",
      "models/policy_execution/schema.yml",
      "models/policy_execution/stateless_policy_execution.sql",
    ]);
    expect(statefulOnly).not.toContain("models/policy_execution/stateless_policy_execution.sql");
    expect(statefulOnly).toContain("macros/workflows/policy_execution/get_policy_execution_state.sql");
  });
});
