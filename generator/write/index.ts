import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  rmdirSync,
  readdirSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { ExitCode, GenError } from "../errors.ts";
import type { FileOutput } from "../render/index.ts";

/** Which files gen wrote, with their hashes: gen never touches a file that is not in here. */
export const MANIFEST_FILE = ".gen-manifest.json";

export interface Manifest {
  generator: "gen";
  version: 1;
  files: Record<string, { sha256: string; workflow?: string }>;
}

export interface WriteResult {
  written: string[];
  unchanged: string[];
  removed: string[];
}

export interface CheckResult {
  stale: string[];
  missing: string[];
  extra: string[];
}

export function sha256(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

export function readManifest(outDir: string): Manifest | null {
  const path = join(outDir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Manifest;
    if (parsed.generator !== "gen" || typeof parsed.files !== "object") throw new Error("not a gen manifest");
    return parsed;
  } catch (e) {
    throw new GenError("bad-manifest", `${path} is not a valid gen manifest: ${(e as Error).message}`, {
      hint: "delete it only if every file in the directory can be regenerated",
    });
  }
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Compares the output directory with what a build would write (`gen build --check`). */
export function checkOutput(outDir: string, files: FileOutput[]): CheckResult {
  const manifest = readManifest(outDir);
  const result: CheckResult = { stale: [], missing: [], extra: [] };
  const wanted = new Set(files.map((f) => f.path));
  for (const f of files) {
    const current = readIfExists(join(outDir, f.path));
    if (current === null) result.missing.push(f.path);
    else if (current !== f.content || manifest?.files[f.path]?.sha256 !== sha256(f.content))
      result.stale.push(f.path);
  }
  for (const path of Object.keys(manifest?.files ?? {})) if (!wanted.has(path)) result.extra.push(path);
  return result;
}

/**
 * Writes the files atomically as a set: every conflict and permission problem is found before the first
 * file in the output directory changes (new content is staged next to it, then renamed into place).
 * Unchanged files are not rewritten (their mtime stays, so dbt's partial parsing stays warm).
 * Files gen wrote before and no longer generates are removed; files gen did not write are never
 * overwritten (unless force) and never deleted.
 */
export function writeOutput(
  outDir: string,
  files: FileOutput[],
  options: { force?: boolean } = {},
): WriteResult {
  const root = resolve(outDir);
  const manifest = readManifest(root);
  const owned = manifest?.files ?? {};
  const result: WriteResult = { written: [], unchanged: [], removed: [] };
  const toWrite: FileOutput[] = [];
  const conflicts: string[] = [];

  for (const f of files) {
    const target = join(root, f.path);
    if (!target.startsWith(root + sep))
      throw new Error(`internal: output path escapes the directory: ${f.path}`);
    const current = readIfExists(target);
    if (current === f.content && owned[f.path]) result.unchanged.push(f.path);
    else if (current !== null && !owned[f.path] && !options.force) conflicts.push(f.path);
    else toWrite.push(f);
  }
  if (conflicts.length > 0) {
    throw new GenError(
      "output-conflict",
      `${root} holds ${conflicts.length} file(s) that gen did not write: ${conflicts.slice(0, 5).join(", ")}${conflicts.length > 5 ? ", ..." : ""}`,
      {
        hint: "choose another output directory with -o, or pass --force to overwrite them (nothing was written)",
      },
    );
  }
  const wanted = new Set(files.map((f) => f.path));
  const toRemove = Object.keys(owned).filter((p) => !wanted.has(p) && existsSync(join(root, p)));

  const nextManifest: Manifest = { generator: "gen", version: 1, files: {} };
  for (const f of files)
    nextManifest.files[f.path] = {
      sha256: sha256(f.content),
      ...(f.workflow ? { workflow: f.workflow } : {}),
    };
  const manifestText = JSON.stringify(nextManifest, null, 2) + "\n";
  const manifestChanged = readIfExists(join(root, MANIFEST_FILE)) !== manifestText;
  if (toWrite.length === 0 && toRemove.length === 0 && !manifestChanged) return result;

  const staging = join(root, `.gen-tmp-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(staging, { recursive: true });
    for (const f of toWrite) {
      const staged = join(staging, f.path);
      mkdirSync(dirname(staged), { recursive: true });
      writeFileSync(staged, f.content, "utf8");
    }
    writeFileSync(join(staging, MANIFEST_FILE), manifestText, "utf8");
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw new GenError(
      "write-failed",
      `cannot write to ${root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        exitCode: ExitCode.specProblems,
        hint: "check that the directory is writable and the disk has space (nothing was changed)",
      },
    );
  }
  try {
    for (const f of toWrite) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      renameSync(join(staging, f.path), join(root, f.path));
      result.written.push(f.path);
    }
    for (const p of toRemove) {
      unlinkSync(join(root, p));
      removeEmptyParents(root, dirname(join(root, p)));
      result.removed.push(p);
    }
    renameSync(join(staging, MANIFEST_FILE), join(root, MANIFEST_FILE));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return result;
}

function removeEmptyParents(root: string, dir: string): void {
  let current = dir;
  while (current !== root && current.startsWith(root + sep)) {
    if (readdirSync(current).length > 0) return;
    rmdirSync(current);
    current = dirname(current);
  }
}

export function relativePath(from: string, to: string): string {
  return relative(from, to) || ".";
}
