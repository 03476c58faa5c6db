import { ExitCode } from "../errors.ts";
import { startWatch } from "../watch/index.ts";
import { defineCommand, UsageError } from "./command.ts";
import { TARGET_OPTION, targetsOf } from "./shared.ts";

export const watch = defineCommand({
  name: "watch",
  summary: "rebuild on every save of a spec (optionally running a command after each rebuild)",
  positionals: "[SPEC|DIR ...]",
  description: [
    "Builds, then rebuilds on every save of a spec (default: the specs/ directory; in a directory every " +
      "*.yaml / *.yml with a top-level version, project or workflows key is a spec). Only files whose content " +
      "changed are written, so unchanged files keep their mtime and dbt's partial parsing stays warm. One line " +
      "per rebuild: files written, unchanged and removed, and the time it took.",
    "A save with errors prints them and leaves the output as it was; the next good save rebuilds. A deleted " +
      "spec removes the files generated for it; a removed workflow removes its files. Files you added to the " +
      "output directory are never overwritten or deleted. The output directories are not watched.",
  ],
  options: {
    out: {
      type: "string",
      short: "o",
      value: "DIR",
      help:
        "output directory (one spec file: its project directory, default out/<project name>; otherwise " +
        "DIR/<project name>, default out/<project name>)",
    },
    target: {
      ...TARGET_OPTION,
      help: "generate for duckdb, snowflake or all (default: each spec's project.targets)",
    },
    exec: {
      type: "string",
      value: "CMD",
      help:
        'shell command to run after the first build and after every rebuild that changed files, for example "dbt ' +
        'build -s stateful_policy_execution"; a newer rebuild cancels a run still in progress. It runs in the ' +
        "output directory when there is one project (else in the current directory), with gen's .venv/bin first " +
        "on PATH.",
    },
    force: { type: "boolean", help: "overwrite files in the output directory that gen did not write" },
    debounce: {
      type: "string",
      value: "MS",
      help: "quiet time after the last file event before rebuilding (default 20)",
    },
  },
  epilogue: ["Ctrl-C stops watching (exit 0)."],
  async run({ values, positionals }, term) {
    const debounceMs = values.debounce === undefined ? undefined : Number(values.debounce);
    if (debounceMs !== undefined && !(debounceMs >= 0))
      throw new UsageError(`--debounce must be a number of milliseconds`);
    // Signal handlers first: Ctrl-C during the initial build still closes everything cleanly.
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((done) => (stop = done));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    try {
      const watcher = await startWatch({
        inputs: positionals,
        out: values.out,
        targets: targetsOf(values.target),
        exec: values.exec,
        force: Boolean(values.force),
        debounceMs,
        log: (line) => term.err(line),
        paint: term.paint,
      });
      term.err(term.paint("dim", "watching for changes (Ctrl-C to stop)"));
      await stopped;
      await watcher.close();
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    term.err("stopped watching");
    return ExitCode.ok;
  },
});
