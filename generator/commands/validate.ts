import { ExitCode, toJsonText, type Diagnostic } from "../errors.ts";
import { compileSpec } from "../pipeline.ts";
import { readSpecFile } from "../spec/file.ts";
import { defineCommand, UsageError } from "./command.ts";
import { printDiagnostics } from "./shared.ts";

export const validate = defineCommand({
  name: "validate",
  summary: "check specs and print every problem with file:line:col",
  positionals: "<spec...>",
  description: [
    "Prints every problem of every spec as file:line:col  message  (hint). Exit 1 when there is an error.",
  ],
  options: {
    json: { type: "boolean", help: "print {ok, diagnostics} on stdout" },
  },
  run({ values, positionals }, term) {
    if (positionals.length === 0) throw new UsageError("no spec given", "gen validate specs/policy.yaml");
    const all: Diagnostic[] = [];
    for (const p of positionals) {
      const { diagnostics } = compileSpec(readSpecFile(p), p);
      all.push(...diagnostics);
      if (!values.json) {
        printDiagnostics(diagnostics, term);
        if (!diagnostics.some((d) => d.severity === "error")) term.err(term.paint("ok", `${p}: valid`));
      }
    }
    const ok = !all.some((d) => d.severity === "error");
    if (values.json) term.out(toJsonText({ ok, diagnostics: all }));
    return ok ? ExitCode.ok : ExitCode.specProblems;
  },
});
