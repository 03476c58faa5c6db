import { createHash } from "node:crypto";
import * as nodeFs from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ExitCode, GenError, type Diagnostic } from "../errors.ts";
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
  /** files the manifest names that gen did not delete, and why (it no longer tracks them) */
  kept: KeptFile[];
}

export interface KeptFile {
  /** the path as the manifest names it (may be anything: the manifest is only a file on disk) */
  path: string;
  reason: string;
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
  /**
   * The directory the user named (-o DIR, else the current directory). It and the directories above it may
   * be symbolic links the user made on purpose; below it (the output directory included) gen follows none.
   * Default: the output directory itself.
   */
  base?: string;
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
      const st = nodeFs.lstatSync(path);
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
      const st = nodeFs.lstatSync(path);
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

export function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * A path gen may name inside its output directory: relative, `/`-separated, without empty, `.` or `..`
 * segments (so joining it to the output directory can never leave it).
 */
export function isCleanRelativePath(path: string): boolean {
  if (path === "" || isAbsolute(path) || /[\\\0]/.test(path)) return false;
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** A path as printed in a diagnostic: control and format characters shown as \u{...}, never raw. */
export function printablePath(path: string): string {
  return path.replace(/[\p{Cc}\p{Cf}]/gu, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The manifest in `text`, or what is wrong with it. Its `files` has no prototype (keys are data). */
function parseManifest(text: string): Manifest | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isRecord(parsed) || parsed.generator !== "gen") return "not a gen manifest";
  if (parsed.version !== 1) return `unknown manifest version ${JSON.stringify(parsed.version)}`;
  if (!isRecord(parsed.files)) return `"files" is not an object`;
  const files: Manifest["files"] = Object.create(null) as Manifest["files"];
  for (const [path, entry] of Object.entries(parsed.files)) {
    const shown = `"${printablePath(path)}"`;
    if (!isRecord(entry) || typeof entry.sha256 !== "string" || !SHA256_HEX.test(entry.sha256))
      return `the entry ${shown} has no sha256 hash`;
    if (entry.workflow !== undefined && typeof entry.workflow !== "string")
      return `the entry ${shown} has a workflow that is not a string`;
    files[path] = {
      sha256: entry.sha256,
      ...(entry.workflow !== undefined ? { workflow: entry.workflow } : {}),
    };
  }
  return { generator: "gen", version: 1, files };
}

export function readManifest(outDir: string): Manifest | null {
  const path = join(outDir, MANIFEST_FILE);
  let text: string;
  try {
    if (nodeFs.lstatSync(path).isSymbolicLink()) throw linkError(outDir, [path]);
    text = nodeFs.readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof GenError) throw e;
    if (isErrno(e, "ENOENT") || isErrno(e, "ENOTDIR")) return null;
    throw new GenError("bad-manifest", `cannot read ${path}: ${errorCode(e)}`);
  }
  const manifest = parseManifest(text);
  if (typeof manifest === "string")
    throw new GenError("bad-manifest", `${printablePath(path)} is not a valid gen manifest: ${manifest}`, {
      hint: "gen cannot tell which files it wrote: restore the file, or delete it and build with --force (files are then overwritten, never deleted); nothing was written",
    });
  return manifest;
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

/**
 * Why `outDir` cannot hold a generated project: the file-system root, the home directory, or something
 * that is not a directory. A usage error (exit 2): the command line names it.
 */
export function assertUsableOutputDir(outDir: string): void {
  const root = resolve(outDir);
  const unusable = (why: string) =>
    new GenError("output-unusable", `${printablePath(root)} cannot be the output directory: ${why}`, {
      exitCode: ExitCode.usage,
      hint: "give the project a directory of its own, e.g. -o out/my_project (nothing was written)",
    });
  if (dirname(root) === root) throw unusable("it is the root of the file system");
  if (root === resolve(homedir())) throw unusable("it is your home directory");
  try {
    if (!nodeFs.statSync(root).isDirectory()) throw unusable("it is not a directory");
  } catch (e) {
    if (e instanceof GenError) throw e;
    if (isErrno(e, "ENOTDIR")) throw unusable("a directory above it is a file");
    // missing (it is created) or unreadable (the write reports it)
  }
}

/** `kind` is what lstat says: a symbolic link is a "link", whatever it points at. */
type Kind = "file" | "dir" | "link" | "other";

/**
 * Cached view of the directories that matter for one write: a listing per directory (one readdir instead
 * of an exception per missing file). Symbolic links are never followed: below a link nothing is listed.
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
        for (const e of nodeFs.readdirSync(dir, { withFileTypes: true }))
          l.set(
            e.name,
            e.isSymbolicLink() ? "link" : e.isDirectory() ? "dir" : e.isFile() ? "file" : "other",
          );
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

  /**
   * The first ancestor of `path` (below root) that exists and is not a directory: a symbolic link, or a
   * file (unless it is being removed) where gen needs a directory. Null when the way is clear.
   */
  blockingAncestor(path: string, removing: Set<string>): { path: string; link: boolean } | null {
    const chain: string[] = [];
    for (let d = dirname(path); d !== this.root && d.startsWith(this.root + sep); d = dirname(d))
      chain.push(d);
    for (let i = chain.length - 1; i >= 0; i--) {
      const d = chain[i] as string;
      const k = this.kind(d);
      if (k === null) return null; // missing: everything below is missing too, it will be created
      if (k === "link") return { path: d, link: true };
      if (k !== "dir") return removing.has(d) ? null : { path: d, link: false };
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
  if (!isCleanRelativePath(path) || path === MANIFEST_FILE)
    throw new Error(`internal: invalid output path: ${path}`);
  return join(root, path);
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

/** Symbolic links where gen would write: refused whatever --force says (a link can lead anywhere). */
function linkError(root: string, links: string[]): GenError {
  const describe = (link: string) => {
    let to = "";
    try {
      to = ` -> ${nodeFs.readlinkSync(link)}`;
    } catch {
      // gone meanwhile: name it without its target
    }
    const inside = link.startsWith(root + sep);
    return printablePath(`${inside ? relative(root, link) : link}${to}`);
  };
  const list = links.slice(0, 5).map(describe).join("; ") + (links.length > 5 ? "; ..." : "");
  return new GenError(
    "output-symlink",
    `${printablePath(root)}: gen does not follow symbolic links inside its output directory: ${list}`,
    {
      hint: "replace each link by a real directory or file, or name the place you mean with -o (nothing was written)",
    },
  );
}

/** The components of `root` below `base` (root included) that are symbolic links. */
function linksBelowBase(base: string, root: string): string[] {
  if (root === base || !root.startsWith(base + sep)) return [];
  const links: string[] = [];
  let current = base;
  for (const segment of root.slice(base.length + 1).split(sep)) {
    current = join(current, segment);
    try {
      const st = nodeFs.lstatSync(current);
      if (st.isSymbolicLink()) links.push(current);
      else if (!st.isDirectory()) break; // assertUsableOutputDir / the conflict check report it
    } catch {
      break; // missing: created by the write
    }
  }
  return links;
}

/**
 * Just before the commit: the directories and files the commit touches are still what the plan saw (no
 * symbolic link swapped in since). Cheap (one lstat per path), and narrows the race to the commit itself.
 */
function recheckBeforeCommit(root: string, targets: { target: string; expect: "file" | "absent" }[]): void {
  const seen = new Map<string, boolean>();
  const changed: string[] = [];
  const links: string[] = [];
  const look = (path: string): nodeFs.Stats | null => {
    try {
      return nodeFs.lstatSync(path);
    } catch {
      return null;
    }
  };
  for (const { target, expect } of targets) {
    for (let d = dirname(target); d !== root && d.startsWith(root + sep); d = dirname(d)) {
      if (seen.has(d)) break; // its ancestors were checked with it
      const st = look(d);
      seen.set(d, true);
      if (st?.isSymbolicLink()) links.push(d);
      else if (st && !st.isDirectory()) changed.push(d);
    }
    const st = look(target);
    if (st?.isSymbolicLink()) links.push(target);
    else if (expect === "file" ? !st?.isFile() : st !== null) changed.push(target);
  }
  if (links.length > 0) throw linkError(root, links);
  if (changed.length > 0)
    throw new GenError(
      "output-changed",
      `${printablePath(root)} changed while gen was writing: ${changed
        .slice(0, 5)
        .map((p) => printablePath(relative(root, p)))
        .join("; ")}`,
      { hint: "run the build again (nothing was written)" },
    );
}

function writeFailed(root: string, e: unknown): GenError {
  return new GenError("write-failed", `cannot write to ${root}: ${errorCode(e)}`, {
    exitCode: ExitCode.specProblems,
    hint: "check that the directory is writable and the disk has space (nothing was changed)",
  });
}

/**
 * Whether a file the manifest names and gen no longer generates may be deleted: only a regular file at a
 * clean path inside the output directory whose content still has the hash gen recorded. The manifest is
 * a file anyone can edit, so nothing in it is trusted beyond that.
 */
function removalVerdict(
  root: string,
  tree: Tree,
  path: string,
  recorded: string,
  memo: WriteMemo | undefined,
): { remove: string } | { keep: string } | "gone" {
  if (!isCleanRelativePath(path)) return { keep: "it is not a path inside the output directory" };
  if (path === MANIFEST_FILE || path.startsWith(STAGING_PREFIX)) return { keep: "it is gen's own file" };
  const target = join(root, path);
  const above = tree.blockingAncestor(target, new Set());
  if (above?.link)
    return { keep: `${printablePath(relative(root, above.path))} above it is a symbolic link` };
  if (above) return "gone";
  const kind = tree.kind(target);
  if (kind === null) return "gone";
  if (kind === "link") return { keep: "it is a symbolic link" };
  if (kind !== "file") return { keep: `it is a ${kind === "dir" ? "directory" : "special file"}` };
  let hash: string;
  try {
    const known = memo?.current(target);
    hash =
      (known !== undefined ? memo?.sha256(target, known) : undefined) ?? sha256(nodeFs.readFileSync(target));
  } catch (e) {
    return { keep: `it cannot be read (${errorCode(e)})` };
  }
  return hash === recorded ? { remove: target } : { keep: "it was changed since gen wrote it" };
}

/** A warning per file the manifest named that gen kept (cli and watch print them alike). */
export function keptWarnings(outDir: string, kept: KeptFile[]): Diagnostic[] {
  return kept.map((k) => ({
    severity: "warning",
    code: "kept-file",
    message: `${printablePath(outDir)}: kept "${printablePath(k.path)}", named in ${MANIFEST_FILE}: ${k.reason}`,
    hint: "gen deletes only files that still have the content it wrote; this one stays and is no longer tracked",
  }));
}

/**
 * Writes the files as a set. Every conflict is found before the first change: files gen did not write are
 * never overwritten (unless force) and never deleted, a symbolic link on the way of any write is refused,
 * and a file or directory in the way of the output is reported. New content is staged next to the output,
 * then renamed into place; if any step of that fails, everything done so far is undone, so a failed write
 * leaves the directory exactly as it was.
 * Unchanged files are not rewritten (their mtime stays, so dbt's partial parsing stays warm).
 * Files gen wrote before and no longer generates are removed, with the directories they leave empty, when
 * their content still has the hash the manifest recorded; any other file the manifest names is kept and
 * reported in `kept`.
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
  const result: WriteResult = { written: [], unchanged: [], removed: [], kept: [] };
  assertUsableOutputDir(root);
  const linksAbove = linksBelowBase(resolve(options.base ?? root), root);
  if (linksAbove.length > 0) throw linkError(root, linksAbove);
  const rootIs = rootKind(root);
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

  const owned: Manifest["files"] = manifest?.files ?? Object.create(null);
  const tree = new Tree(root);
  const wanted = new Set(files.map((f) => f.path));
  const toRemove: { path: string; target: string }[] = [];
  for (const [path, entry] of Object.entries(owned)) {
    if (wanted.has(path)) continue;
    const verdict = removalVerdict(root, tree, path, entry.sha256, memo);
    if (verdict === "gone") continue;
    if ("remove" in verdict) toRemove.push({ path, target: verdict.remove });
    else result.kept.push({ path, reason: verdict.keep });
  }
  const removing = new Set(toRemove.map((r) => r.target));
  const links = new Set<string>();
  const conflicts: string[] = [];
  const toWrite: { file: FileOutput; target: string; replaces: boolean }[] = [];
  for (const f of files) {
    const target = targetOf(root, f.path);
    const blocker = tree.blockingAncestor(target, removing);
    const kind = tree.kind(target);
    if (blocker?.link || kind === "link") {
      links.add(blocker?.link ? blocker.path : target);
      continue;
    }
    // still the very file this process wrote or read (same inode, size, mtime, ctime), with this content
    if (owned[f.path] && memo?.current(target) === f.content) {
      result.unchanged.push(f.path);
      continue;
    }
    if (blocker) conflicts.push(`${relative(root, blocker.path)} is a file where gen needs a directory`);
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
  if (links.size > 0) throw linkError(root, [...links]);
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
    recheckBeforeCommit(root, [
      ...toRemove.map((r) => ({ target: r.target, expect: "file" as const })),
      ...toWrite.map((w) => ({
        target: w.target,
        expect: w.replaces ? ("file" as const) : ("absent" as const),
      })),
      ...(currentManifest !== null ? [{ target: manifestPath, expect: "file" as const }] : []),
    ]);
  } catch (e) {
    nodeFs.rmSync(staging, { recursive: true, force: true });
    if (e instanceof GenError) throw e;
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
      const staged = targetOf(staging, f.path);
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
  return { written: files.map((f) => f.path), unchanged: [], removed: [], kept: [] };
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
