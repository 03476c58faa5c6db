/**
 * The spec front end: load (YAML -> data + source map), validate (zod schema + named rules),
 * with every problem collected and located. Pure: no file system.
 */
import type { Diagnostic } from "../errors.ts";
import { loadYaml } from "./load.ts";
import { runRules } from "./rules.ts";
import { validateSchema, type Spec } from "./schema.ts";

export type {
  Spec,
  Workflow,
  Step,
  Connection,
  PollConfig,
  RetryPolicy,
  Auth,
  AutoRestart,
} from "./schema.ts";
export { specSchema, specJsonSchema } from "./schema.ts";
export { parseTemplate, type TemplatePart, type RefPart } from "./refs.ts";
export { parseJsonPath, type JsonPathSegment } from "./jsonpath.ts";
export { isValidIdentifier, RESERVED_STATE_COLUMNS } from "./identifiers.ts";
export { defaultExternalAccessIntegration } from "./rules.ts";
export { STARTER_SPEC } from "./starter.ts";

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const la = a.location;
  const lb = b.location;
  if (!la || !lb) return la ? -1 : lb ? 1 : 0;
  return la.line - lb.line || la.col - lb.col;
}

/**
 * Load, validate against the schema, and run all rules; collects every problem.
 * `spec` (defaults applied) is set only when there is no error-severity diagnostic.
 * Diagnostics are sorted by line, then column (stable for equal positions).
 */
export function parseSpec(text: string, file: string): { spec?: Spec; diagnostics: Diagnostic[] } {
  const loaded = loadYaml(text, file);
  const diagnostics = [...loaded.diagnostics];
  if (
    loaded.data === undefined ||
    loaded.data === null ||
    typeof loaded.data !== "object" ||
    Array.isArray(loaded.data)
  ) {
    return { diagnostics: diagnostics.sort(compareDiagnostics) };
  }
  const data = loaded.data as Record<string, unknown>;
  const validated = validateSchema(data, loaded.source);
  diagnostics.push(...validated.diagnostics);
  diagnostics.push(...runRules({ data, source: loaded.source }));
  diagnostics.sort(compareDiagnostics);
  const hasError = diagnostics.some((d) => d.severity === "error");
  return hasError || !validated.spec ? { diagnostics } : { spec: validated.spec, diagnostics };
}
