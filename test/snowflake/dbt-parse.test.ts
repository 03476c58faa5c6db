/**
 * `dbt parse` with dbt-snowflake on the generated projects: the snowflake output (dbt Core, env vars) and the
 * snowflake_project output (dbt Projects on Snowflake: --vars only, no env_var()).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDbt } from "../../generator/dbt/index.ts";
import { requireVenv } from "../integration/harness.ts";
import { build, removeTempDirs, SPECS } from "./helpers.ts";

afterAll(removeTempDirs);

/** No SNOWFLAKE_* from the developer's shell may leak into these runs. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of Object.keys(process.env)) if (k.startsWith("SNOWFLAKE_")) env[k] = undefined;
  return env;
}

interface Manifest {
  macros: Record<string, unknown>;
  nodes: Record<string, { resource_type: string; name: string; config: { materialized: string } }>;
}

const SNOWFLAKE_MACROS = [
  "snowflake__gen_http_request_sql",
  "snowflake__gen_sleep_sql",
  "snowflake__gen_sql_string",
  "snowflake__gen_json_literal",
  "snowflake__gen_column_type",
  "snowflake__gen_current_timestamp",
];

describe("dbt parse on the snowflake targets (dbt-snowflake)", () => {
  for (const file of SPECS) {
    const name = file.split("/").pop() as string;

    it(`${name}: dbt parse --target snowflake`, { timeout: 120_000 }, async () => {
      requireVenv();
      const { dir, plan } = build({ file });
      const r = await runDbt(dir, ["parse", "--target", "snowflake", "--no-partial-parse"], {
        env: cleanEnv(),
      });
      expect(r.exitCode, r.output).toBe(0);
      const manifest = JSON.parse(readFileSync(join(dir, "target", "manifest.json"), "utf8")) as Manifest;
      for (const m of SNOWFLAKE_MACROS)
        expect(manifest.macros, m).toHaveProperty(`macro.${plan.project.name}.${m}`);
      const models = Object.values(manifest.nodes).filter((n) => n.resource_type === "model");
      for (const wf of plan.workflows) {
        expect(models.find((m) => m.name === wf.names.statefulModel)?.config.materialized).toBe(
          "gen_workflow",
        );
        expect(models.find((m) => m.name === wf.names.statelessModel)?.config.materialized).toBe(
          "gen_workflow",
        );
      }
      // parse calls no API and connects to nothing: no state, no execution
      expect(r.summaries).toEqual([]);
    });
  }

  it(
    "policy.yaml: dbt parse --target snowflake_project with --vars only (no env_var in that output)",
    { timeout: 120_000 },
    async () => {
      requireVenv();
      const { dir } = build({ file: SPECS[0] as string });
      const profiles = readFileSync(join(dir, "profiles.yml"), "utf8");
      const block = profiles.slice(profiles.indexOf("    snowflake_project:"));
      expect(block).toMatch(/type: snowflake/);
      expect(block).not.toContain("env_var(");
      const vars =
        "{snowflake_warehouse: OTHER_WH, snowflake_database: OTHER_DB, POLICY_API_ENDPOINT: 'https://api.example.com'}";
      const r = await runDbt(
        dir,
        ["parse", "--target", "snowflake_project", "--vars", vars, "--no-partial-parse"],
        {
          env: cleanEnv(),
        },
      );
      expect(r.exitCode, r.output).toBe(0);
      expect(existsSync(join(dir, "target", "manifest.json"))).toBe(true);
      const manifest = JSON.parse(readFileSync(join(dir, "target", "manifest.json"), "utf8")) as {
        nodes: Record<string, { resource_type: string; database: string }>;
      };
      // the --vars reached the profile: nodes live in the database given there
      const dbs = new Set(
        Object.values(manifest.nodes)
          .filter((n) => n.resource_type === "model")
          .map((n) => n.database),
      );
      expect([...dbs]).toEqual(["OTHER_DB"]);
    },
  );
});
