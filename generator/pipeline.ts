import { buildPlan, type Plan, type Target } from "./plan/index.ts";
import { listTemplates, render, type FileOutput } from "./render/index.ts";
import { parseSpec, type Spec } from "./spec/index.ts";
import type { Diagnostic } from "./errors.ts";

export interface CompileResult {
  spec?: Spec;
  plan?: Plan;
  files?: FileOutput[];
  diagnostics: Diagnostic[];
}

let templates: string[] | undefined;

/** load -> validate -> plan -> render: everything but the write. */
export function compileSpec(text: string, file: string, options: { targets?: Target[] } = {}): CompileResult {
  const { spec, diagnostics } = parseSpec(text, file, options.targets ? { targets: options.targets } : {});
  if (!spec) return { diagnostics };
  const plan = buildPlan(spec, (templates ??= listTemplates()), { specFile: file });
  return { spec, plan, files: render(plan), diagnostics };
}
