import { buildPlan, type Plan, type Target } from "./plan/index.ts";
import { render, type FileOutput, type RenderCache } from "./render/index.ts";
import { parseSpec, type Spec } from "./spec/index.ts";
import type { Diagnostic } from "./errors.ts";

export interface CompileOptions {
  /** the command line's --target, in place of project.targets */
  targets?: Target[];
  /** the files rendered for the previous version of this spec (gen watch): only changed inputs re-render */
  renderCache?: RenderCache;
}

/** Milliseconds per stage: parse (load + validate), plan, render. */
export interface CompileTimings {
  parse: number;
  plan: number;
  render: number;
}

export interface CompileResult {
  spec?: Spec;
  plan?: Plan;
  files?: FileOutput[];
  diagnostics: Diagnostic[];
  timings: CompileTimings;
}

/** What the queue commands need of a spec: load -> validate -> plan, without rendering a file. */
export type PlanResult = Omit<CompileResult, "files">;

/** load -> validate -> plan: pure, no template is rendered (compileSpec's first stages, and `gen sync --status`). */
export function planSpec(
  text: string,
  file: string,
  options: Pick<CompileOptions, "targets"> = {},
): PlanResult {
  const timings: CompileTimings = { parse: 0, plan: 0, render: 0 };
  const t0 = performance.now();
  const { targets } = options;
  const { spec, diagnostics } = parseSpec(text, file, targets ? { targets } : {});
  const t1 = performance.now();
  timings.parse = t1 - t0;
  if (!spec) return { diagnostics, timings };
  const plan = buildPlan(spec, { specFile: file });
  timings.plan = performance.now() - t1;
  return { spec, plan, diagnostics, timings };
}

/**
 * load -> validate -> plan -> render: everything but the write. The one compile path of every command
 * (build, validate, run, restart, sync, watch, deploy).
 */
export function compileSpec(text: string, file: string, options: CompileOptions = {}): CompileResult {
  const planned = planSpec(text, file, options.targets ? { targets: options.targets } : {});
  if (!planned.plan) return planned;
  const t0 = performance.now();
  const files = render(planned.plan, undefined, options.renderCache);
  return { ...planned, files, timings: { ...planned.timings, render: performance.now() - t0 } };
}
