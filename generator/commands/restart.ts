import { existsSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, toJsonText } from "../errors.ts";
import { restartProject } from "../restart/index.ts";
import { defineCommand, UsageError } from "./command.ts";
import { buildOne } from "./shared.ts";

export const restart = defineCommand({
  name: "restart",
  summary: "auto-restart: retry what the last dbt run failed (and its downstream), else a full build",
  positionals: "<spec|project-dir>",
  description: [
    "Auto-restart for dbt Core. Reads the restart plan from DBT_RUN_LOG and DBT_MODEL_LOG (written by the " +
      "project's run hooks; no target/ folder needed) and runs it: after a failed run, a selective retry of the " +
      "failed nodes and everything downstream of them (`build --select a+ b+`), unless the failure is older than " +
      "max_age_hours or max_retries retries were made in a row; otherwise the full build. The spec's auto_restart " +
      "block turns this on. A spec is built first (into out/<project> or -o DIR); a directory is used as it is.",
  ],
  options: {
    out: {
      type: "string",
      short: "o",
      value: "DIR",
      help: "output directory of a spec (default out/<project name>)",
    },
    "full-args": {
      type: "string",
      value: "ARGS",
      help: 'the full build, and the command of a retry (default "build"; e.g. "run --select tag:hourly")',
    },
    "dry-run": { type: "boolean", help: "print the plan and the dbt command, run nothing" },
    json: {
      type: "boolean",
      help: "print {plan, args, exit_code, elapsed_ms} on stdout (dbt output goes to stderr)",
    },
  },
  passThrough: { value: "DBT_ARGS", help: "passed to both dbt calls, e.g. -- --target snowflake" },
  epilogue: ["Exit codes: 0 the run succeeded (or --dry-run), 3 dbt failed."],
  async run({ values, positionals, passThrough }, term) {
    if (positionals.length !== 1)
      throw new UsageError(
        "gen restart takes exactly one spec or project directory",
        "gen restart out/policy_workflows",
      );
    const input = positionals[0] as string;
    let projectDir = input;
    if (!existsSync(join(input, "dbt_project.yml"))) {
      const built = buildOne(input, values.out, term);
      projectDir = built.outDir;
    }
    const result = await restartProject(projectDir, {
      fullArgs: values["full-args"],
      dbtArgs: passThrough,
      dryRun: Boolean(values["dry-run"]),
      color: term.color,
      onLine: term.err,
      onPlan: (plan, args) => {
        const what =
          plan.decision === "SELECTIVE RETRY"
            ? term.paint("warning", `selective retry ${plan.retry_sequence} of ${plan.max_retries}`)
            : term.paint("ok", "full build");
        term.err(`${term.paint("bold", "restart plan:")} ${what}: ${plan.reason}`);
        term.err(term.paint("bold", `dbt ${args.join(" ")}`));
      },
    });
    const exitCode = result.run ? result.run.exitCode : 0;
    if (values.json)
      term.out(
        toJsonText({
          plan: result.plan,
          args: result.args,
          exit_code: result.run ? exitCode : null,
          elapsed_ms: result.run?.elapsedMs ?? null,
        }),
      );
    return exitCode === 0 ? ExitCode.ok : ExitCode.dbtFailed;
  },
});
