// The render cache gen watch uses must never change output: cached renders equal fresh ones for a series
// of edits that touch one workflow, every workflow (a connection), the project, and the set of workflows.
import { describe, expect, it } from "vitest";
import { specYaml } from "../../bench/spec.ts";
import { buildPlan } from "../../generator/plan/index.ts";
import { render, RenderCache } from "../../generator/render/index.ts";
import { parseSpec } from "../../generator/spec/index.ts";

function plan(text: string) {
  const { spec, diagnostics } = parseSpec(text, "spec.yaml");
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return buildPlan(spec!);
}

describe("RenderCache", () => {
  it("renders exactly what an uncached render does, re-rendering only what changed", () => {
    const versions = [
      specYaml(4),
      specYaml(4, { variants: { 2: 1 } }), // one workflow
      specYaml(4, { variants: { 2: 1 } }), // nothing
      specYaml(4, { variants: { 2: 1 } }).replace("http://127.0.0.1:8787", "https://api.example.com"), // all
      specYaml(4, { variants: { 2: 1 }, project: "renamed" }), // the project
      specYaml(4, { variants: { 2: 1 }, only: [0, 1, 3] }), // a workflow removed
      specYaml(4, { variants: { 2: 2 } }), // and back
      specYaml(4, { variants: { 2: 2 } }).replace("targets: [duckdb, snowflake]", "targets: [duckdb]"),
    ];
    const cache = new RenderCache();
    const misses: number[] = [];
    for (const text of versions) {
      const p = plan(text);
      const before = cache.misses;
      expect(render(p, undefined, cache)).toEqual(render(p));
      misses.push(cache.misses - before);
    }
    // runtime files are copied as they are, never rendered: the cache holds the rendered templates
    const total = plan(versions[0]!).files.filter((f) => f.source === "template").length;
    expect(total).toBeGreaterThan(20);
    expect(misses[0]).toBe(total);
    expect(misses[1]).toBeGreaterThan(0);
    expect(misses[1]).toBeLessThan(total / 2);
    expect(misses[2]).toBe(0);
  });
});
