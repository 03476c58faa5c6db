import { GenError } from "../errors.ts";
import { compileSpec, type CompileResult } from "../pipeline.ts";
import { readSpecFile } from "../spec/file.ts";

/** A spec compiled in memory for the snowflake target (gen deploy and deploy --check); its errors are thrown. */
export function compileForSnowflake(source: string): Required<CompileResult> {
  const compiled = compileSpec(readSpecFile(source), source, { targets: ["snowflake"] });
  if (!compiled.spec || !compiled.plan || !compiled.files)
    throw new GenError("spec-invalid", `${source} has problems`, { diagnostics: compiled.diagnostics });
  return { ...compiled, spec: compiled.spec, plan: compiled.plan, files: compiled.files };
}
