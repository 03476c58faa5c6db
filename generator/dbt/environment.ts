/**
 * What a generated project needs from the environment of the dbt process that runs it: each `${secret.X}`
 * (read by the HTTP primitive from the variable X) and each `${env.X}` without a default. `gen run` checks
 * them before it starts dbt, so a missing one is named with the place in the spec that needs it.
 */
import { formatPath, loadYaml, type PathSegment } from "../spec/load.ts";
import { parseTemplate } from "../spec/refs.ts";
import { ExitCode, GenError, type Diagnostic, type SourceLocation } from "../errors.ts";
import type { Plan } from "../plan/index.ts";

export interface NeededVariable {
  kind: "secret" | "env";
  name: string;
  /** where the spec first uses it, e.g. connections.policy_api.auth.token */
  path: string | null;
  location: SourceLocation | null;
}

/** The variables the project reads at run time, in the plan's order, each with its first use in the spec. */
export function neededVariables(plan: Plan, specText: string, specFile: string): NeededVariable[] {
  const needed: NeededVariable[] = [
    ...plan.project.secrets.map((name) => ({ kind: "secret" as const, name })),
    ...plan.project.envVars
      .filter((v) => v.default === null)
      .map((v) => ({ kind: "env" as const, name: v.name })),
  ].map((v) => ({ ...v, path: null, location: null }));
  const { data, source } = loadYaml(specText, specFile);
  const visit = (value: unknown, path: PathSegment[]): void => {
    if (typeof value === "string") {
      for (const part of parseTemplate(value).parts) {
        if (part.kind !== "ref" || (part.root !== "secret" && part.root !== "env")) continue;
        const want = needed.find((v) => v.kind === part.root && v.name === part.path[0] && !v.location);
        if (!want) continue;
        want.path = formatPath(path);
        want.location = source.locateInString(path, value, part.offset);
      }
    } else if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...path, i]));
    else if (value && typeof value === "object")
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
  };
  visit(data, []);
  return needed;
}

/** The needed variables that `env` does not set (an empty value counts as unset). */
export function missingVariables(needed: NeededVariable[], env: NodeJS.ProcessEnv): NeededVariable[] {
  return needed.filter((v) => !env[v.name]);
}

/** One located diagnostic per missing variable, and the error that stops `gen run` before dbt starts. */
export function missingVariablesError(missing: NeededVariable[]): GenError {
  const diagnostics: Diagnostic[] = missing.map((v) => ({
    severity: "error",
    code: v.kind === "secret" ? "secret-not-set" : "env-not-set",
    message:
      v.kind === "secret"
        ? `secret ${v.name} is not set`
        : `environment variable ${v.name} is not set (\${env.${v.name}} has no default)`,
    hint:
      `${v.path ?? "the spec"} needs it: export ${v.name}=...` +
      (v.kind === "env" ? ` or give a default: \${env.${v.name}:-value}` : "") +
      "; with --mock-api gen sets it for the bundled mock API",
    ...(v.location ? { location: v.location } : {}),
    ...(v.path ? { path: v.path } : {}),
  }));
  const names = missing.map((v) => v.name).join(", ");
  return new GenError("variables-not-set", `not set: ${names}`, { exitCode: ExitCode.usage, diagnostics });
}
