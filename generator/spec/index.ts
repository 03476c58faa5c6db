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
export {
  defaultExternalAccessIntegration,
  isValidIdentifier,
  RESERVED_STATE_COLUMNS,
} from "./identifiers.ts";
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
 * `options.targets` (the command line's --target) replaces project.targets, and the rules check the spec for
 * those targets: a Snowflake build is refused the same way whether the spec or the command line asks for it.
 */
export function parseSpec(
  text: string,
  file: string,
  options: { targets?: Spec["project"]["targets"] } = {},
): { spec?: Spec; diagnostics: Diagnostic[] } {
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
  const { targets } = options;
  diagnostics.push(...runRules({ data, source: loaded.source, ...(targets ? { targets } : {}) }));
  diagnostics.sort(compareDiagnostics);
  const hasError = diagnostics.some((d) => d.severity === "error");
  if (hasError || !validated.spec) return { diagnostics };
  const spec = validated.spec;
  return {
    spec: targets ? { ...spec, project: { ...spec.project, targets: [...targets] } } : spec,
    diagnostics,
  };
}
