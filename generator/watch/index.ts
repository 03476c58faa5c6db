/**
 * `gen watch`: rebuilds the dbt project(s) on every save of a spec, through the same pure pipeline as
 * `gen build` and the same writer (only changed files are written, so dbt's partial parsing stays warm).
 * A broken save prints its diagnostics and leaves the output as it was; the next good save rebuilds.
 * A deleted spec removes exactly the files generated for it, a removed workflow exactly its files.
 */
import { EventEmitter } from "node:events";
import { existsSync, statSync } from "node:fs";
import { basename, delimiter, dirname, join, relative, resolve, sep } from "node:path";
import type { FSWatcher } from "chokidar";
import type { ResultPromise } from "execa";
import { VENV_DIR } from "../dbt/index.ts";
import { ExitCode, formatDiagnostic, GenError, type Diagnostic } from "../errors.ts";
import { compileSpec, type CompileResult } from "../pipeline.ts";
import type { Target } from "../plan/index.ts";
import { RenderCache } from "../render/index.ts";
import { LOOKS_LIKE_SPEC, skippedDirectory, YAML_FILE } from "../spec/discover.ts";
import { readSpecFile, SPEC_NOT_FOUND } from "../spec/file.ts";
import type { Term } from "../util/term.ts";
import { outputCollision } from "../write/collisions.ts";
import {
  assertUsableOutputDir,
  keptWarnings,
  MANIFEST_FILE,
  removeOutput,
  STAGING_PREFIX,
  WriteMemo,
  writeOutput,
  type KeptFile,
} from "../write/index.ts";

export interface WatchOptions {
  /** spec files and directories of specs (every *.yaml / *.yml below them that looks like a spec) */
  inputs: string[];
  /** a single spec file: its project directory (default out/<project name>); otherwise DIR/<project name> */
  out?: string;
  targets?: Target[];
  /** overwrite files gen did not write (as `gen build --force`) */
  force?: boolean;
  /** shell command run after each rebuild that changed the output; a newer rebuild cancels it */
  exec?: string;
  execStdio?: "inherit" | "ignore";
  /** quiet time after the last file event before rebuilding */
  debounceMs?: number;
  /** base of relative inputs and output directories (default process.cwd()) */
  cwd?: string;
  /** one line of human output (summaries, diagnostics); default: none */
  log?: (line: string) => void;
  paint?: Term["paint"];
}

export interface SpecBuild {
  /** the spec path as shown (relative to cwd) */
  spec: string;
  status: "built" | "failed" | "removed";
  outDir?: string;
  written: string[];
  unchanged: string[];
  removed: string[];
  /** files the manifest named that gen kept (edited since, links, paths outside the directory) */
  kept: KeptFile[];
  /** workflows that the previous build of this spec had and this one has not */
  removedWorkflows: string[];
  diagnostics: Diagnostic[];
  /** milliseconds per stage of a build: parse (load + validate), plan, render, write */
  timings?: { parse: number; plan: number; render: number; write: number };
}

export interface RebuildEvent {
  initial: boolean;
  /** no spec in this rebuild failed */
  ok: boolean;
  /** files were written or removed */
  changed: boolean;
  specs: SpecBuild[];
  /** from the start of the rebuild (after the debounce) to the last file written */
  ms: number;
}

export interface ExecEvent {
  phase: "start" | "exit";
  command: string;
  cwd: string;
  pid?: number;
  exitCode?: number | null;
  /** ended by a newer rebuild or by close() */
  cancelled?: boolean;
  ms?: number;
}

interface SpecState {
  outDir?: string;
  workflows: string[];
  /** text of the last compiled version (to notice saves whose event chokidar throttled away) */
  text?: string;
  warnings: string;
  /** rendered files of the last build: a save re-renders only the files whose inputs changed */
  cache: RenderCache;
  /** files written before: unchanged ones are checked by stat instead of being read again */
  memo: WriteMemo;
}

/** A spec compiled in this rebuild, waiting for the batch's collision check before it writes. */
interface PendingBuild {
  abs: string;
  spec: string;
  text: string;
  state: SpecState;
  result: CompileResult;
  outDir: string;
  timings: { parse: number; plan: number; render: number; write: number };
}

/** The directory a renamed project was built into before. */
interface FormerOutput {
  outDir: string;
  memo: WriteMemo;
}

function emptyBuild(spec: string): Omit<SpecBuild, "status"> {
  return { spec, written: [], unchanged: [], removed: [], kept: [], removedWorkflows: [], diagnostics: [] };
}

/** chokidar drops a second change event of a file within 50 ms: re-read built specs after this delay */
const VERIFY_AFTER_MS = 75;

export class Watcher extends EventEmitter<{ rebuild: [RebuildEvent]; exec: [ExecEvent] }> {
  private readonly cwd: string;
  private readonly files = new Set<string>();
  private readonly dirs: string[] = [];
  private readonly fileParents = new Set<string>();
  private readonly specs = new Map<string, SpecState>();
  private readonly dirty = new Set<string>();
  private chokidar?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private verifyTimer?: NodeJS.Timeout;
  private closed = false;
  private ready = false;
  private child?: { process: ResultPromise; done: Promise<void>; cancelled: boolean };
  private execGeneration = 0;

  constructor(private readonly options: WatchOptions) {
    super();
    this.cwd = resolve(options.cwd ?? process.cwd());
    const inputs = options.inputs.length > 0 ? options.inputs : ["specs"];
    for (const input of inputs) {
      const abs = resolve(this.cwd, input);
      let isDir = false;
      try {
        isDir = statSync(abs).isDirectory();
      } catch {
        if (!existsSync(dirname(abs)))
          throw new GenError("watch-input", `${input} does not exist`, {
            exitCode: ExitCode.usage,
            hint: "pass spec files or directories of specs: gen watch specs/policy.yaml",
          });
      }
      if (isDir) this.dirs.push(abs);
      else {
        this.files.add(abs);
        this.fileParents.add(dirname(abs));
      }
    }
    // one spec file: -o is its project directory (several: the directory their projects go in)
    if (this.singleSpec() && options.out !== undefined) assertUsableOutputDir(resolve(this.cwd, options.out));
  }

  /** Output directories by spec (absolute paths), as of the last successful build of each spec. */
  outputs(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [spec, s] of this.specs) if (s.outDir) m.set(spec, s.outDir);
    return m;
  }

  /** Starts watching; resolves once the initial build is done. */
  async start(): Promise<this> {
    const { default: chokidar } = await import("chokidar");
    const watcher = chokidar.watch([...this.fileParents, ...this.dirs], {
      ignoreInitial: false,
      ignored: (path: string) => this.ignored(path),
      persistent: true,
      disableGlobbing: true,
    });
    this.chokidar = watcher;
    const onEvent = (path: string) => {
      const abs = resolve(this.cwd, path);
      if (!this.isSpecPath(abs)) return;
      this.dirty.add(abs);
      if (this.ready) this.schedule();
    };
    watcher.on("add", onEvent).on("change", onEvent).on("unlink", onEvent);
    watcher.on("unlinkDir", (path: string) => {
      const abs = resolve(this.cwd, path);
      for (const spec of this.specs.keys()) if (spec.startsWith(abs + sep)) this.dirty.add(spec);
      if (this.ready) this.schedule();
    });
    watcher.on("error", (e: unknown) =>
      this.log(this.paint("error", `watch error: ${(e as Error).message}`)),
    );
    await new Promise<void>((done) => watcher.once("ready", () => done()));
    this.ready = true;
    for (const f of this.files)
      if (!existsSync(f)) this.log(`${this.show(f)} does not exist yet: waiting for it`);
    if (this.dirty.size === 0 && this.files.size === 0)
      this.log(`no spec found in ${this.dirs.map((d) => this.show(d)).join(", ")}: waiting for one`);
    this.rebuild(true);
    return this;
  }

  /** Stops watching, cancels a running --exec command and waits for it to end. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.verifyTimer);
    this.execGeneration++;
    await Promise.all([this.chokidar?.close(), this.cancelExec()]);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private paint(kind: Parameters<Term["paint"]>[0], s: string): string {
    return this.options.paint ? this.options.paint(kind, s) : s;
  }

  private show(abs: string): string {
    const rel = relative(this.cwd, abs);
    return rel === "" ? "." : rel.startsWith("..") ? abs : rel;
  }

  private under(path: string, dir: string): boolean {
    return path === dir || path.startsWith(dir + sep);
  }

  /** What chokidar must not look at: generated projects, staging directories, tools' directories. */
  private ignored(path: string): boolean {
    const abs = resolve(this.cwd, path);
    if (this.files.has(abs) || this.fileParents.has(abs) || this.dirs.includes(abs)) return false;
    const name = basename(abs);
    if (name.startsWith(STAGING_PREFIX)) return true;
    for (const s of this.specs.values()) if (s.outDir && this.under(abs, s.outDir)) return true;
    const inDir = this.dirs.some((d) => abs.startsWith(d + sep));
    if (!inDir) return true; // a sibling of an explicitly given spec file
    return skippedDirectory(abs, name); // hidden, a tool's, or a generated project
  }

  private isSpecPath(abs: string): boolean {
    if (this.files.has(abs)) return true;
    if (!YAML_FILE.test(abs) || !this.dirs.some((d) => abs.startsWith(d + sep))) return false;
    // a YAML file inside a generated project (schema.yml, dbt_project.yml) is output, not a spec
    for (const d = { p: dirname(abs) }; !this.dirs.includes(d.p) && d.p !== dirname(d.p); d.p = dirname(d.p))
      if (existsSync(join(d.p, MANIFEST_FILE))) return false;
    return true;
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.rebuild(false), this.options.debounceMs ?? 20);
  }

  /** Output directory of a spec's project, by the same rule as `gen build`. */
  private outDirFor(project: string): string {
    if (this.singleSpec()) return resolve(this.cwd, this.options.out ?? join("out", project));
    return resolve(this.cwd, this.options.out ?? "out", project);
  }

  private singleSpec(): boolean {
    return this.dirs.length === 0 && this.files.size === 1;
  }

  /** The directory the user named (-o, else the current directory): gen follows no link below it. */
  private base(): string {
    return resolve(this.cwd, this.options.out ?? ".");
  }

  private rebuild(initial: boolean): void {
    if (this.closed) return;
    const started = performance.now();
    const batch = [...this.dirty].sort();
    this.dirty.clear();
    // compile every spec of the batch first: collisions are found before any of them writes
    const steps = batch.map((spec) => this.prepareSpec(spec));
    const pending = steps.filter((s): s is PendingBuild => s !== null && "result" in s);
    const refused = this.collisions(pending);
    const moved: FormerOutput[] = [];
    const builds: SpecBuild[] = [];
    for (const step of steps) {
      if (step === null) continue;
      if (!("result" in step)) builds.push(step);
      else builds.push(refused.get(step.abs) ?? this.writeSpec(step, moved));
    }
    this.removeFormerOutputs(moved);
    const ms = performance.now() - started;
    const ok = builds.every((b) => b.status !== "failed");
    const changed = builds.some((b) => b.written.length + b.removed.length > 0);
    for (const b of builds) this.report(b, ms);
    if (builds.length > 0) this.emit("rebuild", { initial, ok, changed, specs: builds, ms });
    if (this.options.exec && ok && (changed || (initial && builds.length > 0)))
      this.runExec().catch((e: unknown) => this.log(this.paint("error", `--exec: ${(e as Error).message}`)));
    this.scheduleVerify(builds);
  }

  /** Reads and compiles one spec: a finished build (removed, failed, or null) or one waiting to be written. */
  private prepareSpec(abs: string): SpecBuild | PendingBuild | null {
    const state = this.specs.get(abs);
    const spec = this.show(abs);
    const empty = emptyBuild(spec);
    let text: string;
    try {
      text = readSpecFile(abs);
    } catch (e) {
      if (!(e instanceof GenError && e.code === SPEC_NOT_FOUND)) {
        // there but not readable as a spec (a FIFO, too large, ...): say so if it is one of the specs
        if (!state && !this.files.has(abs)) return null;
        return {
          ...empty,
          status: "failed",
          diagnostics: diagnosticsOf(e),
          ...(state?.outDir ? { outDir: state.outDir } : {}),
        };
      }
      // deleted: remove exactly what was generated for it
      if (!state) return null;
      this.specs.delete(abs);
      if (!state.outDir) return null;
      try {
        const r = removeOutput(state.outDir, { memo: state.memo, base: this.base() });
        return {
          ...empty,
          status: "removed",
          outDir: state.outDir,
          ...r,
          removedWorkflows: state.workflows,
          diagnostics: keptWarnings(this.show(state.outDir), r.kept),
        };
      } catch (e) {
        this.specs.set(abs, state);
        return { ...empty, status: "failed", diagnostics: diagnosticsOf(e) };
      }
    }
    if (!state && !this.files.has(abs) && !LOOKS_LIKE_SPEC.test(text)) return null;
    const next: SpecState = state ?? {
      workflows: [],
      warnings: "",
      cache: new RenderCache(),
      memo: new WriteMemo(),
    };
    next.text = text;
    this.specs.set(abs, next);
    try {
      const targets = this.options.targets;
      const result = compileSpec(text, spec, { renderCache: next.cache, ...(targets ? { targets } : {}) });
      const timings = { ...result.timings, write: 0 };
      if (!result.files || !result.plan)
        return { ...empty, status: "failed", diagnostics: result.diagnostics, outDir: next.outDir };
      const outDir = this.outDirFor(result.plan.project.name);
      return { abs, spec, text, state: next, result, outDir, timings };
    } catch (e) {
      return { ...empty, status: "failed", outDir: next.outDir, diagnostics: diagnosticsOf(e) };
    }
  }

  /**
   * Specs that would write one project directory: two of this batch (both refused: which one wins must
   * not depend on the order of file events), or one of this batch and one built before (the new one is
   * refused). A spec renamed on disk (gone, its unlink event not seen yet) hands its directory over.
   */
  private collisions(pending: PendingBuild[]): Map<string, SpecBuild> {
    const refused = new Map<string, SpecBuild>();
    const inBatch = new Set(pending.map((p) => p.abs));
    for (const p of pending) {
      let other = pending.find((q) => q !== p && q.outDir === p.outDir)?.abs;
      for (const [spec, s] of [...this.specs]) {
        if (other) break;
        if (spec === p.abs || inBatch.has(spec) || s.outDir !== p.outDir) continue;
        if (existsSync(spec)) other = spec;
        else this.specs.delete(spec); // renamed: this spec takes over the project directory
      }
      if (!other) continue;
      const claim = {
        file: p.spec,
        text: p.text,
        project: p.result.plan?.project.name ?? "",
        outDir: p.outDir,
      };
      refused.set(p.abs, {
        ...emptyBuild(p.spec),
        status: "failed",
        outDir: p.state.outDir,
        diagnostics: [outputCollision(claim, this.show(other), this.show(p.outDir))],
      });
    }
    return refused;
  }

  private writeSpec(p: PendingBuild, moved: FormerOutput[]): SpecBuild {
    const { state: next, result, outDir, timings } = p;
    const empty = emptyBuild(p.spec);
    try {
      const writeStarted = performance.now();
      const w = writeOutput(outDir, result.files ?? [], {
        force: this.options.force,
        memo: next.memo,
        base: this.base(),
      });
      timings.write = performance.now() - writeStarted;
      const workflows = result.plan?.workflows.map((wf): string => wf.name) ?? [];
      const removedWorkflows = next.workflows.filter((n) => !workflows.includes(n));
      if (next.outDir && next.outDir !== outDir) moved.push({ outDir: next.outDir, memo: next.memo });
      next.outDir = outDir;
      next.workflows = workflows;
      const warnings = result.diagnostics.filter((d) => d.severity === "warning");
      const warningKey = warnings.map((d) => formatDiagnostic(d)).join("\n");
      const shown = warningKey !== next.warnings ? warnings : [];
      next.warnings = warningKey;
      const kept = keptWarnings(this.show(outDir), w.kept);
      return {
        ...empty,
        status: "built",
        outDir,
        ...w,
        removedWorkflows,
        diagnostics: [...shown, ...kept],
        timings,
      };
    } catch (e) {
      return { ...empty, status: "failed", outDir: next.outDir, diagnostics: diagnosticsOf(e) };
    }
  }

  /**
   * A renamed project: its old directory goes the way of a deleted spec, after every write of the batch,
   * and only when no spec builds into it now (two specs may swap names in one save).
   */
  private removeFormerOutputs(moved: FormerOutput[]): void {
    const claimed = new Set([...this.specs.values()].map((s) => s.outDir));
    for (const m of moved) {
      if (claimed.has(m.outDir)) continue;
      try {
        const r = removeOutput(m.outDir, { memo: m.memo, base: this.base() });
        this.log(`${this.show(m.outDir)}: ${r.removed.length} files of the former project name removed`);
        for (const d of keptWarnings(this.show(m.outDir), r.kept))
          this.log(formatDiagnostic(d, (k, t) => this.paint(k, t)));
      } catch (e) {
        for (const d of diagnosticsOf(e)) this.log(formatDiagnostic(d, (k, t) => this.paint(k, t)));
      }
    }
  }

  private report(b: SpecBuild, batchMs: number): void {
    const time = this.paint("dim", new Date().toTimeString().slice(0, 8));
    for (const d of b.diagnostics) this.log(formatDiagnostic(d, (k, s) => this.paint(k, s)));
    const ms = `(${Math.round(batchMs)} ms)`;
    if (b.status === "failed") {
      const errors = b.diagnostics.filter((d) => d.severity === "error").length;
      this.log(
        `${time} ${this.paint("error", "failed")} ${b.spec}: ${errors} error${errors === 1 ? "" : "s"}, output left as it was`,
      );
    } else if (b.status === "removed") {
      this.log(
        `${time} ${this.paint("warning", "removed")} ${b.spec} was deleted: ${b.removed.length} generated files removed from ${this.show(b.outDir ?? "")} ${ms}`,
      );
    } else {
      const gone = b.removedWorkflows.length > 0 ? `, workflow ${b.removedWorkflows.join(", ")} removed` : "";
      this.log(
        `${time} ${this.paint("ok", "built")} ${this.show(b.outDir ?? "")}: ${b.written.length} written, ${b.unchanged.length} unchanged, ${b.removed.length} removed${gone} ${ms}`,
      );
    }
  }

  /** chokidar drops a change that follows another within 50 ms: compare what was built with the file. */
  private scheduleVerify(builds: SpecBuild[]): void {
    const specs = builds.filter((b) => b.status !== "removed").map((b) => resolve(this.cwd, b.spec));
    if (specs.length === 0 || this.closed) return;
    clearTimeout(this.verifyTimer);
    this.verifyTimer = setTimeout(() => {
      let stale = false;
      for (const abs of specs) {
        let text: string | undefined;
        try {
          text = readSpecFile(abs);
        } catch {
          text = undefined;
        }
        if (text !== this.specs.get(abs)?.text) {
          this.dirty.add(abs);
          stale = true;
        }
      }
      if (stale) this.schedule();
    }, VERIFY_AFTER_MS);
  }

  private execCwd(): string {
    const outs = [...this.outputs().values()];
    return outs.length === 1 && outs[0] ? outs[0] : this.cwd;
  }

  private async runExec(): Promise<void> {
    const command = this.options.exec;
    if (!command) return;
    const generation = ++this.execGeneration;
    await this.cancelExec();
    if (generation !== this.execGeneration || this.closed) return; // a newer rebuild took over
    const { execa } = await import("execa");
    const cwd = this.execCwd();
    const venvBin = join(VENV_DIR, "bin");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...(existsSync(venvBin) ? { PATH: venvBin + delimiter + (process.env.PATH ?? "") } : {}),
      ...(cwd !== this.cwd ? { GEN_OUT_DIR: cwd } : {}),
    };
    this.log(
      `${this.paint("dim", "$")} ${command}${cwd !== this.cwd ? this.paint("dim", `  (in ${this.show(cwd)})`) : ""}`,
    );
    const started = performance.now();
    const proc = execa(command, {
      shell: true,
      cwd,
      env,
      detached: true, // its own process group, so that cancelling reaches dbt and not just the shell
      stdin: "ignore",
      stdout: this.options.execStdio ?? "inherit",
      stderr: this.options.execStdio ?? "inherit",
      reject: false,
    });
    const child = { process: proc, done: Promise.resolve(), cancelled: false };
    child.done = proc.then(
      (r) => {
        const ms = performance.now() - started;
        if (this.child === child) this.child = undefined;
        const time = this.paint("dim", new Date().toTimeString().slice(0, 8));
        if (child.cancelled) this.log(`${time} --exec cancelled (${(ms / 1000).toFixed(1)} s)`);
        else
          this.log(
            `${time} --exec ${r.exitCode === 0 ? this.paint("ok", "exited 0") : this.paint("error", `exited ${r.exitCode ?? r.signal}`)} (${(ms / 1000).toFixed(1)} s)`,
          );
        this.emit("exec", {
          phase: "exit",
          command,
          cwd,
          pid: proc.pid,
          exitCode: r.exitCode ?? null,
          cancelled: child.cancelled,
          ms,
        });
      },
      () => undefined,
    );
    this.child = child;
    this.emit("exec", { phase: "start", command, cwd, pid: proc.pid });
  }

  /** SIGTERM to the command's process group, SIGKILL if it is still there 3 s later; waits for the end. */
  private async cancelExec(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.cancelled = true;
    const pid = child.process.pid;
    const signal = (s: NodeJS.Signals) => {
      try {
        if (pid) process.kill(-pid, s);
      } catch {
        // already gone
      }
    };
    signal("SIGTERM");
    const force = setTimeout(() => signal("SIGKILL"), 3000);
    await child.done;
    clearTimeout(force);
  }
}

function diagnosticsOf(e: unknown): Diagnostic[] {
  if (e instanceof GenError) return e.diagnostics;
  return [
    {
      severity: "error",
      code: "internal",
      message: `internal error (a bug, please report it): ${(e as Error)?.stack ?? String(e)}`,
    },
  ];
}

/** Starts `gen watch`: resolves once the initial build is done (whether it succeeded or not). */
export async function startWatch(options: WatchOptions): Promise<Watcher> {
  return new Watcher(options).start();
}
