import { statSync } from "node:fs";
import { ExitCode, GenError, toJsonText, type Diagnostic } from "../errors.ts";
import { compileSpec } from "../pipeline.ts";
import { specsInDirectory } from "../spec/discover.ts";
import { readSpecFile } from "../spec/file.ts";
import { defineCommand, printDiagnostics, UsageError } from "./command.ts";

export const validate = defineCommand({
  name: "validate",
  summary: "check specs and print every problem with file:line:col",
  positionals: "<spec|dir ...>",
  description: [
    "Prints every problem of every spec as file:line:col  message  (hint). A directory stands for every spec " +
      "in it (as for gen watch: each *.yaml / *.yml with a top-level version, project or workflows key, " +
      "generated projects left out). Exit 1 when there is an error, 2 when a file cannot be read.",
  ],
  options: {
    json: { type: "boolean", help: "print {ok, diagnostics} on stdout" },
  },
  run({ values, positionals }, term) {
    if (positionals.length === 0) throw new UsageError("no spec given", "gen validate specs/policy.yaml");
    const all: Diagnostic[] = [];
    // a file that cannot be read is reported with the others; its exit code (2) wins over spec problems (1)
    let unreadable: number | undefined;
    for (const p of positionals.flatMap(specsOf)) {
      let diagnostics: Diagnostic[];
      try {
        diagnostics = compileSpec(readSpecFile(p), p).diagnostics;
      } catch (e) {
        if (!(e instanceof GenError)) throw e;
        diagnostics = e.diagnostics;
        if (e.exitCode !== ExitCode.specProblems) unreadable = e.exitCode;
      }
      all.push(...diagnostics);
      if (!values.json) {
        printDiagnostics(diagnostics, term);
        if (!diagnostics.some((d) => d.severity === "error")) term.err(term.paint("ok", `${p}: valid`));
      }
    }
    const ok = !all.some((d) => d.severity === "error");
    if (values.json) term.out(toJsonText({ ok, diagnostics: all }));
    return unreadable ?? (ok ? ExitCode.ok : ExitCode.specProblems);
  },
});

/** A spec file as it is; a directory as the specs in it (none found is a usage error). */
function specsOf(path: string): string[] {
  let directory = false;
  try {
    directory = statSync(path).isDirectory();
  } catch {
    return [path]; // reading it says why it cannot be read
  }
  if (!directory) return [path];
  const specs = specsInDirectory(path);
  if (specs.length === 0)
    throw new UsageError(
      `${path} holds no spec`,
      "a spec is a .yaml or .yml file with a top-level version, project or workflows key",
    );
  return specs;
}
