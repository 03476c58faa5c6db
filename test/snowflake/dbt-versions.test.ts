/**
 * The generated project on each dbt Core version that may run it: dbt Projects on Snowflake's default (1.9.4),
 * which must refuse it with dbt's own version message; the version gen pins on the project object (1.10.15,
 * .venv-snowflake); and the dbt gen runs locally (.venv). `dbt parse` of the snowflake_project output, with the
 * real dbt-snowflake of each venv.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDbt, VENVS, type VenvName } from "../../generator/dbt/index.ts";
import { SNOWFLAKE_DBT_VERSION, SNOWFLAKE_DEFAULT_TARGET } from "../../generator/plan/index.ts";
import { build, removeTempDirs, ROOT, SPECS } from "./helpers.ts";

afterAll(removeTempDirs);

/** Only what the project itself says decides the run: no SNOWFLAKE_* or DBT_* from the developer's shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of Object.keys(process.env)) if (/^(SNOWFLAKE_|DBT_|GEN_)/.test(k)) env[k] = undefined;
  return env;
}

function dbtOf(venv: VenvName): string {
  const dbt = join(VENVS[venv].dir, "bin", "dbt");
  if (!existsSync(dbt))
    throw new Error(`${VENVS[venv].dir} is missing: run \`npm run setup:all\` before the Snowflake tests`);
  return dbt;
}

async function parse(venv: VenvName) {
  const { dir } = build({ file: SPECS[0] as string });
  return runDbt(dir, ["parse", "--target", SNOWFLAKE_DEFAULT_TARGET, "--no-partial-parse"], {
    dbt: dbtOf(venv),
    env: cleanEnv(),
  });
}

/** dbt's warnings (deprecations included) in its plain-text output. */
function warnings(output: string): string[] {
  return output.split("\n").filter((l) => /\[WARNING\]|Deprecat/i.test(l));
}

describe("specs/policy.yaml on each dbt Core version", () => {
  it("requirements/snowflake.txt installs the dbt Core version gen pins on the project object", () => {
    const requirements = readFileSync(join(ROOT, "requirements", "snowflake.txt"), "utf8");
    expect(/^dbt-core==(\S+)/m.exec(requirements)?.[1]).toBe(SNOWFLAKE_DBT_VERSION);
  });

  it(
    "dbt 1.9.4 (Snowflake's default) refuses the project with its version message",
    { timeout: 120_000 },
    async () => {
      const r = await parse("dbt_1_9_4");
      expect(r.exitCode, r.output).not.toBe(0);
      expect(r.output).toContain("Running with dbt=1.9.4");
      expect(r.output).toContain("This version of dbt is not supported with the 'policy_workflows' package");
      expect(r.output).toContain("Required version of dbt for 'policy_workflows': ['>=1.10.5', '<2.0.0']");
      // ... and stops there, before the schema.yml it cannot read
      expect(r.output).not.toContain("takes no keyword argument 'arguments'");
    },
  );

  for (const [venv, version] of [
    ["snowflake", SNOWFLAKE_DBT_VERSION],
    ["duckdb", /^dbt-core==(\S+)/m.exec(readFileSync(join(ROOT, "requirements.txt"), "utf8"))?.[1]],
  ] as const) {
    it(
      `dbt ${version} (${VENVS[venv].dir.split("/").pop()}) parses it without a warning`,
      { timeout: 120_000 },
      async () => {
        const r = await parse(venv);
        expect(r.exitCode, r.output).toBe(0);
        expect(r.output).toContain(`Running with dbt=${version}`);
        expect(warnings(r.output), r.output).toEqual([]);
      },
    );
  }
});
