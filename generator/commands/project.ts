/**
 * Where a spec's project goes, and its plan without a build: what `gen sync --status` needs, apart from the
 * modules that render and write (so that it starts sooner).
 */
import { join } from "node:path";
import { GenError } from "../errors.ts";
import { planSpec } from "../pipeline.ts";
import type { Plan } from "../plan/index.ts";
import { readSpecFile } from "../spec/file.ts";
import type { Term } from "../util/term.ts";
import { printDiagnostics } from "./command.ts";

/** A spec's project directory: out/<project>, or -o DIR (the directory itself for one spec, DIR/<project> for several). */
export function projectDir(out: string | undefined, project: string, several: boolean): string {
  return out ? (several ? join(out, project) : out) : join("out", project);
}

/**
 * One spec's plan and project directory, as buildOne would build them, but nothing rendered or written: for the
 * commands that only read the project's database (gen sync --status). A GenError when the spec has errors.
 */
export function planOne(spec: string, out: string | undefined, term: Term): { outDir: string; plan: Plan } {
  const result = planSpec(readSpecFile(spec), spec);
  if (!result.plan)
    throw new GenError("spec-problems", "the spec has errors", { diagnostics: result.diagnostics });
  printDiagnostics(result.diagnostics, term);
  return { outDir: projectDir(out, result.plan.project.name, false), plan: result.plan };
}
