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
  const { spec, diagnostics } = parseSpec(text, file);
  if (!spec) return { diagnostics };
  const effective: Spec = options.targets
    ? { ...spec, project: { ...spec.project, targets: options.targets } }
    : spec;
  const plan = buildPlan(effective, (templates ??= listTemplates()));
  return { spec, plan, files: render(plan), diagnostics };
}
