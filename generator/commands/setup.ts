import { relative } from "node:path";
import { GEN_HOME, VENVS } from "../dbt/index.ts";
import { ExitCode } from "../errors.ts";
import { setupVenv, venvsToSetUp } from "../setup.ts";
import { defineCommand } from "./command.ts";

export const setup = defineCommand({
  name: "setup",
  summary: "create the project-local Python venv with the pinned dbt packages",
  positionals: "",
  description: [
    "Creates the Python venvs in the gen directory, each from its pinned requirements. Always .venv/ " +
      "(requirements.txt: dbt-core, dbt-duckdb, dbt-snowflake, fakesnow, sqlglot). " +
      "A fast no-op for a venv that is already current.",
  ],
  options: {
    snowflake: {
      type: "boolean",
      help:
        "also .venv-snowflake/ (requirements/snowflake.txt: dbt exactly as dbt Projects on Snowflake runs it, " +
        "which gen deploy --check uses and otherwise makes on first use)",
    },
    all: { type: "boolean", help: "also the venvs only the tests use" },
  },
  async run({ values }, term) {
    for (const name of venvsToSetUp({ snowflake: Boolean(values.snowflake), all: Boolean(values.all) })) {
      const dir = relative(GEN_HOME, VENVS[name].dir);
      const r = await setupVenv(name, (line) => term.err(term.paint("dim", line)));
      term.err(
        r.created
          ? `${term.paint("ok", "venv ready")} (${dir}, ${Math.round(r.ms / 1000)} s)`
          : `venv already current (${dir})`,
      );
    }
    return ExitCode.ok;
  },
});
