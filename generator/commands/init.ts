import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ExitCode } from "../errors.ts";
import { compileSpec } from "../pipeline.ts";
import { STARTER_SPEC } from "../spec/index.ts";
import { specsInDirectory } from "../spec/discover.ts";
import { readSpecFile } from "../spec/file.ts";
import { loadYaml } from "../spec/load.ts";
import { defineCommand, UsageError } from "./command.ts";

/** The project name the starter spec is written with, replaced by one of the new file's own. */
const STARTER_NAME_LINE = /^(\s+name: )policy_workflows\b/m;

/** The project names of the specs in a directory (a file that does not read as YAML cannot collide yet). */
function projectNamesIn(dir: string): Set<string> {
  const names = new Set<string>();
  if (!existsSync(dir)) return names;
  for (const file of specsInDirectory(dir)) {
    try {
      const data = loadYaml(readSpecFile(file), file).data as { project?: { name?: unknown } } | undefined;
      if (typeof data?.project?.name === "string") names.add(data.project.name);
    } catch {
      // unreadable: gen validate reports it; it claims no name
    }
  }
  return names;
}

/**
 * The dbt project name of a new spec: its file name as an identifier, numbered past the names the specs next
 * to it use, so that building both never writes one project over the other. Pure.
 */
export function starterProjectName(file: string, taken: ReadonlySet<string>): string {
  const stem = basename(file)
    .replace(/\.ya?ml$/i, "")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const base = /^[a-z]/.test(stem) ? `${stem}_workflows` : "gen_workflows";
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

export const init = defineCommand({
  name: "init",
  summary: "write a commented starter spec",
  positionals: "[file]",
  description: [
    "Writes a commented starter spec (default: specs/workflow.yaml). Its project name comes from the file name",
    "and differs from the project names of the specs already in that directory.",
  ],
  options: {
    force: { type: "boolean", help: "overwrite the file when it exists" },
  },
  run({ values, positionals }, term) {
    const path = positionals[0] ?? join("specs", "workflow.yaml");
    if (existsSync(path) && !values.force)
      throw new UsageError(`${path} already exists`, "pass --force to overwrite it");
    const taken = projectNamesIn(dirname(resolve(path)));
    let name = starterProjectName(path, taken);
    let text = STARTER_SPEC.replace(STARTER_NAME_LINE, (_, indent: string) => `${indent}${name}`);
    // a file name can make a name dbt reserves or gen uses itself: then the plain numbered one
    if (!compileSpec(text, path).plan) {
      name = starterProjectName("gen.yaml", taken);
      text = STARTER_SPEC.replace(STARTER_NAME_LINE, (_, indent: string) => `${indent}${name}`);
    }
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, text);
    term.err(
      `${term.paint("ok", "wrote")} ${resolve(path)} (project ${name}): next, gen build ${path} -> out/${name}/`,
    );
    return ExitCode.ok;
  },
});
