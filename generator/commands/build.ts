import { join } from "node:path";
import { ExitCode, toJsonText } from "../errors.ts";
import { checkOutput, writeOutput } from "../write/index.ts";
import { defineCommand } from "./command.ts";
import { compileAll, printKept, TARGET_OPTION, targetsOf } from "./shared.ts";

export const build = defineCommand({
  name: "build",
  summary: "validate and generate the dbt project(s)",
  positionals: "<spec...>",
  options: {
    out: {
      type: "string",
      short: "o",
      value: "DIR",
      help: "output directory (default out/<project name>; with several specs, DIR/<project name>)",
    },
    target: TARGET_OPTION,
    check: { type: "boolean", help: "write nothing; exit 1 when the output is stale or missing (for CI)" },
    force: { type: "boolean", help: "overwrite files in the output directory that gen did not write" },
    json: { type: "boolean", help: "machine-readable result on stdout" },
  },
  run({ values, positionals }, term) {
    const started = performance.now();
    const built = compileAll(positionals, values.out, targetsOf(values.target), term);
    const report: Record<string, unknown>[] = [];
    let exit: number = ExitCode.ok;
    for (const b of built) {
      const files = b.result.files ?? [];
      if (values.check) {
        const check = checkOutput(b.outDir, files);
        const problems = check.stale.length + check.missing.length + check.extra.length;
        if (problems > 0) exit = ExitCode.specProblems;
        report.push({ spec: b.specPath, out: b.outDir, ...check, ok: problems === 0 });
        if (!values.json) {
          const rebuild = `(run gen build ${b.specPath})`;
          for (const p of check.stale) term.err(`${join(b.outDir, p)}  stale  ${rebuild}`);
          for (const p of check.missing) term.err(`${join(b.outDir, p)}  missing  ${rebuild}`);
          for (const p of check.extra) term.err(`${join(b.outDir, p)}  no longer generated  ${rebuild}`);
          if (problems === 0) term.err(term.paint("ok", `${b.outDir} is up to date (${files.length} files)`));
        }
        continue;
      }
      const w = writeOutput(b.outDir, files, { force: Boolean(values.force), base: b.base });
      printKept(b.outDir, w, term);
      report.push({
        spec: b.specPath,
        out: b.outDir,
        written: w.written,
        unchanged: w.unchanged.length,
        removed: w.removed,
        kept: w.kept,
      });
      if (!values.json)
        term.err(
          `${term.paint("ok", "built")} ${b.outDir}: ${w.written.length} written, ${w.unchanged.length} unchanged, ${w.removed.length} removed (${Math.round(performance.now() - started)} ms)`,
        );
    }
    const diagnostics = built.flatMap((b) => b.result.diagnostics);
    if (values.json) term.out(toJsonText({ ok: exit === 0, results: report, diagnostics }));
    return exit;
  },
});
