/**
 * The state table and the attempt log of each stateful workflow are dbt sources with their columns described,
 * so that lineage in dbt docs starts at them: dbt lists them, the stateful model reads the state table through
 * source(), and every monitoring view descends from it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDbt } from "../../generator/dbt/index.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import { writeOutput } from "../../generator/write/index.ts";
import { requireVenv, useTempDirs } from "./harness.ts";

const tempDir = useTempDirs("gen-sources-");

interface ManifestSource {
  source_name: string;
  name: string;
  columns: Record<string, { name: string; description: string }>;
}

async function names(dir: string, args: string[]): Promise<string[]> {
  const r = await runDbt(dir, ["ls", "--quiet", "--output", "name", ...args]);
  expect(r.exitCode, r.output).toBe(0);
  return r.output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

describe("state and attempt-log tables as dbt sources", () => {
  for (const spec of ["specs/policy.yaml", "specs/data_export.yaml"]) {
    it(
      `${spec}: listed, described, and the models of each workflow descend from them`,
      { timeout: 180_000 },
      async () => {
        requireVenv();
        const { files, plan } = compileSpec(readFileSync(spec, "utf8"), spec, { targets: ["duckdb"] });
        if (!files || !plan) throw new Error(`${spec} does not compile`);
        const dir = tempDir();
        writeOutput(dir, files);
        const stateful = plan.workflows.filter((w) => w.stateful);
        expect(stateful.length).toBeGreaterThan(0);

        const parse = await runDbt(dir, ["parse", "--no-partial-parse"]);
        expect(parse.exitCode, parse.output).toBe(0);
        expect(await names(dir, ["--resource-type", "source"])).toEqual(
          stateful
            .flatMap((w) =>
              [w.definition.state.table, w.definition.state.attempt_log_table].map((t) => `${w.name}.${t}`),
            )
            .sort(),
        );

        const manifest = JSON.parse(readFileSync(join(dir, "target", "manifest.json"), "utf8")) as {
          sources: Record<string, ManifestSource>;
        };
        const sources = Object.values(manifest.sources);
        for (const wf of stateful) {
          const described = (table: string) =>
            Object.values(
              sources.find((s) => s.source_name === wf.name && s.name === table)?.columns ?? {},
            ).map((c) => ({ name: c.name, description: c.description }));
          expect(described(wf.definition.state.table)).toEqual(
            wf.stateColumns.map(({ name, description }) => ({ name, description })),
          );
          expect(described(wf.definition.state.attempt_log_table)).toEqual(
            wf.attemptColumns.map(({ name, description }) => ({ name, description })),
          );
          // the stateful model and the monitoring views descend from the state table
          const children = await names(dir, [
            "--select",
            `source:${wf.name}.${wf.definition.state.table}+`,
            "--resource-type",
            "model",
          ]);
          expect(children).toEqual(
            [
              wf.names.statefulModel,
              wf.names.successRateModel,
              wf.names.stuckModel,
              wf.names.hourlyStatsModel,
            ].sort(),
          );
          for (const view of [wf.names.successRateModel, wf.names.stuckModel, wf.names.hourlyStatsModel])
            expect(await names(dir, ["--select", `+${view}`, "--resource-type", "source"])).toEqual([
              `${wf.name}.${wf.definition.state.table}`,
            ]);
        }
      },
    );
  }
});
