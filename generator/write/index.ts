import { createHash } from "node:crypto";
import * as nodeFs from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { ExitCode, GenError } from "../errors.ts";
import type { FileOutput } from "../render/index.ts";

/** Which files gen wrote, with their hashes: gen never touches a file that is not in here. */
export const MANIFEST_FILE = ".gen-manifest.json";
/** Prefix of the staging directories (inside the output directory, or beside it for a new one). */
export const STAGING_PREFIX = ".gen-tmp-";

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

/**
 * The mutating file-system calls the writer makes. Every one goes through this interface so that tests
 * can make any of them fail and check that the directory is left exactly as it was.
 */
export interface WriteFs {
  mkdirSync(path: string): void;
  writeFileSync(path: string, content: string): void;
  renameSync(from: string, to: string): void;
  rmdirSync(path: string): void;
}

const realFs: WriteFs = {
  mkdirSync: (p) => nodeFs.mkdirSync(p),
  writeFileSync: (p, c) => nodeFs.writeFileSync(p, c, "utf8"),
  renameSync: (a, b) => nodeFs.renameSync(a, b),
  rmdirSync: (p) => nodeFs.rmdirSync(p),
};

export interface WriteOptions {
  /** overwrite files that gen did not write (they are still never deleted) */
  force?: boolean;
  /** test seam: replaces some of the mutating fs calls */
  fs?: Partial<WriteFs>;
  /** what a long-running process (gen watch) learnt from its previous writes to this directory */
  memo?: WriteMemo;
}

interface Known {
  content: string;
  sha256: string;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/**
 * The files one long-running process (gen watch) wrote or read, with their content, hash and identity
 * (inode, size, mtime, ctime). A file whose identity has not changed since is not read again: any edit,
 * even one that restores the old mtime, changes its ctime. Used only to skip work, never to decide
 * ownership (that is the manifest's job).
 */
export class WriteMemo {
  private readonly files = new Map<string, Known>();

  /** the content of `path` if it is still the file we last saw */
  current(path: string): string | undefined {
    const k = this.files.get(path);
    if (!k) return undefined;
    try {
      const st = nodeFs.statSync(path);
      if (st.ino === k.ino && st.size === k.size && st.mtimeMs === k.mtimeMs && st.ctimeMs === k.ctimeMs)
        return k.content;
    } catch {
      // gone: read as usual
    }
    this.files.delete(path);
    return undefined;
  }

  sha256(path: string, content: string): string | undefined {
    const k = this.files.get(path);
    return k && k.content === content ? k.sha256 : undefined;
  }

  remember(path: string, content: string, sha?: string): void {
    try {
      const st = nodeFs.statSync(path);
      const { ino, size, mtimeMs, ctimeMs } = st;
      this.files.set(path, { content, sha256: sha ?? sha256(content), ino, size, mtimeMs, ctimeMs });
    } catch {
      this.files.delete(path);
    }
  }

  forget(path?: string): void {
    if (path === undefined) this.files.clear();
    else this.files.delete(path);
  }
}

export function sha256(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

export function readManifest(outDir: string): Manifest | null {
  const path = join(outDir, MANIFEST_FILE);
  let text: string;
  try {
    text = nodeFs.readFileSync(path, "utf8");
  } catch (e) {
    if (isErrno(e, "ENOENT") || isErrno(e, "ENOTDIR")) return null;
    throw new GenError("bad-manifest", `cannot read ${path}: ${errorCode(e)}`);
  }
  try {
    const parsed = JSON.parse(text) as Manifest;
    if (parsed?.generator !== "gen" || typeof parsed.files !== "object" || parsed.files === null)
      throw new Error("not a gen manifest");
    return parsed;
  } catch (e) {
    throw new GenError("bad-manifest", `${path} is not a valid gen manifest: ${(e as Error).message}`, {
      hint: "delete it only if every file in the directory can be regenerated",
    });
  }
}

/** The manifest gen writes for `files`: stable text, so an unchanged build leaves it untouched. */
export function manifestText(
  files: FileOutput[],
  hashOf: (f: FileOutput) => string = (f) => sha256(f.content),
): string {
  const next: Manifest = { generator: "gen", version: 1, files: {} };
  for (const f of files)
    next.files[f.path] = { sha256: hashOf(f), ...(f.workflow ? { workflow: f.workflow } : {}) };
  return JSON.stringify(next, null, 2) + "\n";
}

type Kind = "file" | "dir" | "other";

/**
 * Cached view of the directories that matter for one write: a listing per directory (one readdir instead
 * of an exception per missing file), symbolic links resolved to what they point at.
 */
class Tree {
  private readonly listings = new Map<string, Map<string, Kind> | null>();

  constructor(readonly root: string) {}

  private listing(dir: string): Map<string, Kind> | null {
    let l = this.listings.get(dir);
    if (l !== undefined) return l;
    l = null;
    if (dir === this.root || this.kind(dir) === "dir") {
      try {
        l = new Map();
        for (const e of nodeFs.readdirSync(dir, { withFileTypes: true })) {
          let kind: Kind = e.isDirectory() ? "dir" : e.isFile() ? "file" : "other";
          if (e.isSymbolicLink()) {
            try {
              const st = nodeFs.statSync(join(dir, e.name));
              kind = st.isDirectory() ? "dir" : st.isFile() ? "file" : "other";
            } catch {
              kind = "other"; // dangling link
            }
          }
          l.set(e.name, kind);
        }
      } catch (e) {
        if (!isErrno(e, "ENOENT") && !isErrno(e, "ENOTDIR")) throw e;
        l = null;
      }
    }
    this.listings.set(dir, l);
    return l;
  }

  /** What is at `path` (absolute, inside root), or null when nothing is. */
  kind(path: string): Kind | null {
    if (path === this.root) return rootKind(path);
    return this.listing(dirname(path))?.get(basename(path)) ?? null;
  }

  /** The first ancestor of `path` (below root) that exists, is not a directory and is not being removed. */
  blockingAncestor(path: string, removing: Set<string>): string | null {
    const chain: string[] = [];
    for (let d = dirname(path); d !== this.root && d.startsWith(this.root + sep); d = dirname(d))
      chain.push(d);
    for (let i = chain.length - 1; i >= 0; i--) {
      const d = chain[i] as string;
      const k = this.kind(d);
      if (k === null) return null; // missing: everything below is missing too, it will be created
      if (k !== "dir") return removing.has(d) ? null : d;
    }
    return null;
  }
}

function rootKind(path: string): Kind | null {
  try {
    const st = nodeFs.statSync(path);
    return st.isDirectory() ? "dir" : st.isFile() ? "file" : "other";
  } catch (e) {
    if (isErrno(e, "ENOENT")) return null;
    if (isErrno(e, "ENOTDIR")) return "other";
    throw e;
  }
}

function readIfFile(tree: Tree, path: string): string | null {
  if (tree.kind(path) !== "file") return null;
  try {
    return nodeFs.readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Compares the output directory with what a build would write (`gen build --check`). */
export function checkOutput(outDir: string, files: FileOutput[]): CheckResult {
  const root = resolve(outDir);
  const manifest = readManifest(root);
  const tree = new Tree(root);
  const result: CheckResult = { stale: [], missing: [], extra: [] };
  const wanted = new Set(files.map((f) => f.path));
  for (const f of files) {
    const current = readIfFile(tree, join(root, f.path));
    if (current === null) result.missing.push(f.path);
    else if (current !== f.content || manifest?.files[f.path]?.sha256 !== sha256(f.content))
      result.stale.push(f.path);
  }
  for (const path of Object.keys(manifest?.files ?? {})) if (!wanted.has(path)) result.extra.push(path);
  return result;
}

function targetOf(root: string, path: string): string {
  const target = join(root, path);
  if (!target.startsWith(root + sep) || target === join(root, MANIFEST_FILE))
    throw new Error(`internal: invalid output path: ${path}`);
  return target;
}

function conflictError(root: string, problems: string[], force: boolean): GenError {
  const list = problems.slice(0, 5).join("; ") + (problems.length > 5 ? "; ..." : "");
  return new GenError(
    "output-conflict",
    `${root}: ${problems.length} path(s) in the way of gen's output: ${list}`,
    {
      hint: force
        ? "move them out of the way, or choose another output directory with -o (nothing was written)"
        : "choose another output directory with -o, or pass --force to overwrite files gen did not write (nothing was written)",
    },
  );
}

function writeFailed(root: string, e: unknown): GenError {
  return new GenError("write-failed", `cannot write to ${root}: ${errorCode(e)}`, {
    exitCode: ExitCode.specProblems,
    hint: "check that the directory is writable and the disk has space (nothing was changed)",
  });
}

/**
 * Writes the files as a set. Every conflict is found before the first change: files gen did not write are
 * never overwritten (unless force) and never deleted, and a file or directory in the way of the output is
 * reported. New content is staged next to the output, then renamed into place; if any step of that fails,
 * everything done so far is undone, so a failed write leaves the directory exactly as it was.
 * Unchanged files are not rewritten (their mtime stays, so dbt's partial parsing stays warm).
 * Files gen wrote before and no longer generates are removed, with the directories they leave empty.
 */
export function writeOutput(outDir: string, files: FileOutput[], options: WriteOptions = {}): WriteResult {
  return applyOutput(outDir, files, { ...options, keepManifest: true });
}

/**
 * Removes every file gen generated in outDir (a removed spec), its manifest and the directories that are
 * left empty; files gen did not write stay. Same all-or-nothing guarantee as writeOutput.
 */
export function removeOutput(outDir: string, options: Omit<WriteOptions, "force"> = {}): WriteResult {
  return applyOutput(outDir, [], { ...options, keepManifest: false });
}

function applyOutput(
  outDir: string,
  files: FileOutput[],
  options: WriteOptions & { keepManifest: boolean },
): WriteResult {
  const fs: WriteFs = { ...realFs, ...options.fs };
  const root = resolve(outDir);
  const result: WriteResult = { written: [], unchanged: [], removed: [] };
  const rootIs = rootKind(root);
  if (rootIs !== null && rootIs !== "dir") throw conflictError(root, [`${root} is not a directory`], false);
  const manifest = rootIs === null ? null : readManifest(root);
  if (rootIs === null && files.length === 0) return result;
  const memo = options.memo;
  const hashes = new Map<string, string>();
  const hashOf = (f: FileOutput) => {
    const h = memo?.sha256(join(root, f.path), f.content) ?? sha256(f.content);
    hashes.set(f.path, h);
    return h;
  };
  const text = options.keepManifest ? manifestText(files, hashOf) : null;

  // A new output directory: build it beside its final place and rename it in one step.
  if (rootIs === null && text !== null) {
    const r = writeFresh(root, files, text, fs);
    if (memo) for (const f of files) memo.remember(join(root, f.path), f.content, hashes.get(f.path));
    return r;
  }

  const owned = manifest?.files ?? {};
  const tree = new Tree(root);
  const wanted = new Set(files.map((f) => f.path));
  const toRemove = Object.keys(owned)
    .filter((p) => !wanted.has(p))
    .map((p) => ({ path: p, target: join(root, p) }))
    .filter((r) => r.target.startsWith(root + sep) && tree.kind(r.target) === "file");
  const removing = new Set(toRemove.map((r) => r.target));
  const conflicts: string[] = [];
  const toWrite: { file: FileOutput; target: string; replaces: boolean }[] = [];
  for (const f of files) {
    const target = targetOf(root, f.path);
    // still the very file this process wrote or read (same inode, size, mtime, ctime), with this content
    if (owned[f.path] && memo?.current(target) === f.content) {
      result.unchanged.push(f.path);
      continue;
    }
    const blocker = tree.blockingAncestor(target, removing);
    const kind = tree.kind(target);
    if (blocker) conflicts.push(`${relative(root, blocker)} is a file where gen needs a directory`);
    else if (kind === "dir" || kind === "other")
      conflicts.push(`${f.path} is a ${kind === "dir" ? "directory" : "special file"}`);
    else if (kind === null) toWrite.push({ file: f, target, replaces: false });
    else {
      const current = readIfFile(tree, target);
      if (current === f.content && owned[f.path]) memo?.remember(target, current, hashes.get(f.path));
      if (current === f.content && owned[f.path]) result.unchanged.push(f.path);
      else if (!owned[f.path] && !options.force) conflicts.push(`${f.path} was not written by gen`);
      else toWrite.push({ file: f, target, replaces: true });
    }
  }
  if (conflicts.length > 0) throw conflictError(root, conflicts, Boolean(options.force));
  const manifestPath = join(root, MANIFEST_FILE);
  const currentManifest = readIfFile(tree, manifestPath);
  const manifestChanged = text === null ? currentManifest !== null : currentManifest !== text;
  if (toWrite.length === 0 && toRemove.length === 0 && !manifestChanged) return result;

  // One flat staging directory: new content as n<i>, displaced files as o<i> (no directory tree to create
  // and remove: on a busy disk every mkdir/rmdir costs milliseconds, and this runs on every watch save).
  const staging = join(root, `${STAGING_PREFIX}${process.pid}-${Date.now()}`);
  // directories known to exist (created here, or directories before the write and not removed since)
  const made = new Set<string>();
  const gone = new Set<string>();
  const isDir = (d: string) => made.has(d) || (!gone.has(d) && tree.kind(d) === "dir");
  const mkdirs = (dir: string, undo: (() => void)[]) => {
    const missing: string[] = [];
    for (let d = dir; !isDir(d) && d !== dirname(d); d = dirname(d)) missing.push(d);
    for (let i = missing.length - 1; i >= 0; i--) {
      const d = missing[i] as string;
      fs.mkdirSync(d);
      made.add(d);
      undo.push(() => {
        realFs.rmdirSync(d);
        made.delete(d);
      });
    }
  };
  const stagedManifest = join(staging, "manifest");

  // 1. stage: nothing in the output directory changes yet (apart from the staging directory itself)
  try {
    fs.mkdirSync(staging);
    toWrite.forEach((w, i) => fs.writeFileSync(join(staging, `n${i}`), w.file.content));
    if (text !== null) fs.writeFileSync(stagedManifest, text);
  } catch (e) {
    nodeFs.rmSync(staging, { recursive: true, force: true });
    throw writeFailed(root, e);
  }

  // 2. commit: every step is journaled and undone in reverse order if a later one fails (undo steps use
  // the real fs calls: options.fs only injects failures into the forward steps)
  const undo: (() => void)[] = [];
  let displaced = 0;
  const moveAside = (target: string) => {
    const aside = join(staging, `o${displaced++}`);
    fs.renameSync(target, aside);
    undo.push(() => realFs.renameSync(aside, target));
  };
  try {
    for (const r of toRemove) moveAside(r.target);
    toWrite.forEach((w, i) => {
      mkdirs(dirname(w.target), undo);
      if (w.replaces) moveAside(w.target);
      const staged = join(staging, `n${i}`);
      fs.renameSync(staged, w.target);
      undo.push(() => realFs.renameSync(w.target, staged));
    });
    if (currentManifest !== null) moveAside(manifestPath);
    if (text !== null) {
      fs.renameSync(stagedManifest, manifestPath);
      undo.push(() => realFs.renameSync(manifestPath, stagedManifest));
    }
    for (const r of toRemove) removeEmptyParents(root, dirname(r.target), fs, undo, gone);
  } catch (e) {
    memo?.forget();
    const failures: unknown[] = [];
    for (let i = undo.length - 1; i >= 0; i--) {
      try {
        (undo[i] as () => void)();
      } catch (u) {
        failures.push(u);
      }
    }
    nodeFs.rmSync(staging, { recursive: true, force: true });
    if (failures.length > 0)
      throw new GenError(
        "write-failed",
        `writing to ${root} failed (${errorCode(e)}) and ${failures.length} change(s) could not be undone (${errorCode(failures[0])})`,
        { hint: "run the build again; gen's manifest tells which files it owns" },
      );
    throw writeFailed(root, e);
  }
  nodeFs.rmSync(staging, { recursive: true, force: true });
  for (const w of toWrite) {
    result.written.push(w.file.path);
    memo?.remember(w.target, w.file.content, hashes.get(w.file.path));
  }
  for (const r of toRemove) {
    result.removed.push(r.path);
    memo?.forget(r.target);
  }
  return result;
}

function writeFresh(root: string, files: FileOutput[], text: string, fs: WriteFs): WriteResult {
  const parent = dirname(root);
  let createdParent: string | undefined;
  try {
    createdParent = nodeFs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw writeFailed(root, e);
  }
  const staging = join(parent, `${STAGING_PREFIX}${basename(root)}-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(staging);
    const dirs = new Set<string>([staging]);
    for (const f of files) {
      const staged = join(staging, f.path);
      if (!staged.startsWith(staging + sep)) throw new Error(`internal: invalid output path: ${f.path}`);
      const missing: string[] = [];
      for (let d = dirname(staged); !dirs.has(d); d = dirname(d)) missing.push(d);
      for (let i = missing.length - 1; i >= 0; i--) {
        fs.mkdirSync(missing[i] as string);
        dirs.add(missing[i] as string);
      }
      fs.writeFileSync(staged, f.content);
    }
    fs.writeFileSync(join(staging, MANIFEST_FILE), text);
    fs.renameSync(staging, root);
  } catch (e) {
    nodeFs.rmSync(staging, { recursive: true, force: true });
    if (createdParent) nodeFs.rmSync(createdParent, { recursive: true, force: true });
    if ((e as Error).message?.startsWith("internal:")) throw e;
    throw writeFailed(root, e);
  }
  return { written: files.map((f) => f.path), unchanged: [], removed: [] };
}

function removeEmptyParents(
  root: string,
  dir: string,
  fs: WriteFs,
  undo: (() => void)[],
  gone: Set<string>,
): void {
  let current = dir;
  while (current !== root && current.startsWith(root + sep)) {
    let entries: string[];
    try {
      entries = nodeFs.readdirSync(current);
    } catch {
      return; // already removed by an earlier file of the same directory
    }
    if (entries.length > 0) return;
    const d = current;
    fs.rmdirSync(d);
    gone.add(d);
    undo.push(() => {
      realFs.mkdirSync(d);
      gone.delete(d);
    });
    current = dirname(current);
  }
}

function isErrno(e: unknown, code: string): boolean {
  return (e as NodeJS.ErrnoException)?.code === code;
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e);
}
