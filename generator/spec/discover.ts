/**
 * Which files of a directory are specs, the same way for `gen watch DIR` and `gen validate DIR`: every
 * *.yaml / *.yml below it with a top-level version, project or workflows key, outside generated projects,
 * hidden directories and tools' directories.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_FILE, STAGING_PREFIX } from "../write/index.ts";
import { readSpecFile } from "./file.ts";

/** directories that hold tools' files, never specs */
export const SKIP_DIRS = new Set(["node_modules", "target", "logs", "dbt_packages", "__pycache__"]);
export const YAML_FILE = /\.ya?ml$/i;
/** a YAML file found in a directory is a spec when it has one of the spec's top-level keys */
export const LOOKS_LIKE_SPEC = /^(version|workflows|project)\s*:/m;

/** A directory gen does not look into for specs: hidden, a tool's, a staging directory or a generated project. */
export function skippedDirectory(path: string, name: string): boolean {
  return (
    name.startsWith(".") ||
    name.startsWith(STAGING_PREFIX) ||
    SKIP_DIRS.has(name) ||
    existsSync(join(path, MANIFEST_FILE))
  );
}

/** The specs below `dir`, sorted; a YAML file that cannot be read is listed (reading it reports why). */
export function specsInDirectory(dir: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        if (!skippedDirectory(child, entry.name)) visit(child);
      } else if (YAML_FILE.test(entry.name) && looksLikeSpec(child)) found.push(child);
    }
  };
  visit(dir);
  return found.sort();
}

function looksLikeSpec(path: string): boolean {
  try {
    return LOOKS_LIKE_SPEC.test(readSpecFile(path));
  } catch {
    return true;
  }
}
