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

/**
 * load -> validate -> plan -> render: everything but the write. The one compile path of every command
 * (build, validate, run, restart, sync, watch, deploy).
 */
export function compileSpec(text: string, file: string, options: CompileOptions = {}): CompileResult {
  const timings: CompileTimings = { parse: 0, plan: 0, render: 0 };
  const t0 = performance.now();
  const { targets } = options;
  const { spec, diagnostics } = parseSpec(text, file, targets ? { targets } : {});
  const t1 = performance.now();
  timings.parse = t1 - t0;
  if (!spec) return { diagnostics, timings };
  const plan = buildPlan(spec, { specFile: file });
  const t2 = performance.now();
  timings.plan = t2 - t1;
  const files = render(plan, undefined, options.renderCache);
  timings.render = performance.now() - t2;
  return { spec, plan, files, diagnostics, timings };
}
