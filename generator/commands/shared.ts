/** What several commands share: printing diagnostics, building specs into their project directories, --target. */
import { basename, resolve } from "node:path";
import { GenError } from "../errors.ts";
import { resolveScenario } from "../mockapi/index.ts";
import { compileSpec, type CompileResult } from "../pipeline.ts";
import type { Plan, Target } from "../plan/index.ts";
import { readSpecFile } from "../spec/file.ts";
import { TARGETS } from "../spec/schema.ts";
import type { Term } from "../util/term.ts";
import { builtByAnotherSpec, outputCollisions } from "../write/collisions.ts";
import { assertUsableOutputDir, keptWarnings, writeOutput, type WriteResult } from "../write/index.ts";
import { printDiagnostics, UsageError, type OptionSpec } from "./command.ts";
import { projectDir } from "./project.ts";

/** --target of build and watch */
export const TARGET_OPTION = {
  type: "string",
  value: "T",
  choices: [...TARGETS, "all"],
  help: "generate for duckdb, snowflake or all (default: the spec's project.targets)",
} as const satisfies OptionSpec;

export function targetsOf(value: Target | "all" | undefined): Target[] | undefined {
  if (value === undefined) return undefined;
  return value === "all" ? [...TARGETS] : [value];
}

export interface BuiltSpec {
  specPath: string;
  outDir: string;
  /** the directory the user named (-o, else the current directory): gen follows no link below it */
  base: string;
  /** the spec file's text, as compiled */
  text: string;
  result: CompileResult;
}

/**
 * Compiles specs and decides their output directories (out/<project>, or -o DIR: the directory itself
 * for one spec, DIR/<project> for several), refusing before anything is written an unusable directory
 * or two specs that would write the same one.
 */
export function compileAll(
  specs: string[],
  out: string | undefined,
  targets: Target[] | undefined,
  term: Term,
): BuiltSpec[] {
  if (specs.length === 0) throw new UsageError("no spec given", "gen build specs/policy.yaml");
  // the same file named twice is built once
  const unique = specs.filter((s, i) => specs.findIndex((t) => resolve(t) === resolve(s)) === i);
  const base = out ?? ".";
  const built: BuiltSpec[] = unique.map((specPath) => {
    const text = readSpecFile(specPath);
    const result = compileSpec(text, specPath, targets ? { targets } : {});
    const outDir = projectDir(
      out,
      result.plan?.project.name ?? basename(specPath).replace(/\.ya?ml$/, ""),
      unique.length > 1,
    );
    return { specPath, outDir, base, text, result };
  });
  const diagnostics = built.flatMap((b) => b.result.diagnostics);
  // a spec with errors: nothing is written, and the diagnostics of every spec are the error (--json prints them)
  if (built.some((b) => !b.result.files || !b.result.plan))
    throw new GenError("spec-problems", "the spec has errors", { diagnostics });
  printDiagnostics(diagnostics, term);
  // Before anything is written: every output directory is usable and belongs to one spec only.
  for (const b of built) assertUsableOutputDir(b.outDir);
  const claims = built.map((b) => ({
    file: b.specPath,
    text: b.text,
    project: b.result.plan?.project.name ?? "",
    outDir: b.outDir,
  }));
  const collisions = [...outputCollisions(claims), ...claims.flatMap((c) => builtByAnotherSpec(c) ?? [])];
  if (collisions.length > 0)
    throw new GenError("output-collision", collisions[0]?.message ?? "", { diagnostics: collisions });
  return built;
}

/** Builds one spec into its project directory (as `gen build`), saying so; a GenError when the spec has errors. */
export function buildOne(
  spec: string,
  out: string | undefined,
  term: Term,
): { outDir: string; plan: Plan; specText: string } {
  const [built] = compileAll([spec], out, undefined, term);
  if (!built?.result.plan || !built.result.files)
    throw new GenError("spec-problems", `${spec} did not compile`); // compileAll has thrown already
  const w = writeOutput(built.outDir, built.result.files, { base: built.base });
  printKept(built.outDir, w, term);
  term.err(
    `${term.paint("ok", "built")} ${built.outDir} (${w.written.length} written, ${w.unchanged.length} unchanged)`,
  );
  return { outDir: built.outDir, plan: built.result.plan, specText: built.text };
}

/** The files the manifest named that gen did not delete, as warnings. */
export function printKept(outDir: string, w: WriteResult, term: Term): void {
  printDiagnostics(keptWarnings(outDir, w.kept), term);
}

/** --scenario of run and mock-api: a preset name or JSON */
export const SCENARIO_OPTION = {
  type: "string",
  value: "S",
  help: "mock API scenario: a preset (happy, slow-ready, flaky-5xx, ...) or JSON",
} as const satisfies OptionSpec;

export function scenarioOrUsage(text: string) {
  try {
    return resolveScenario(text);
  } catch (e) {
    throw new UsageError(`--scenario: ${(e as Error).message}`);
  }
}
