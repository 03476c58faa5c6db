// gen watch on real directories: startWatch in-process (chokidar, real files), and the CLI for signals.
// No fixed sleeps: every wait polls for a condition with a deadline.
import { execa } from "execa";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { specYaml, type SpecOptions } from "../../bench/spec.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import { checkOutput, readManifest } from "../../generator/write/index.ts";
import { startWatch, type ExecEvent, type RebuildEvent, type Watcher } from "../../generator/watch/index.ts";

let dir: string;
let watcher: Watcher | undefined;
let rebuilds: RebuildEvent[];
let execs: ExecEvent[];
let lines: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gen-watch-"));
  mkdirSync(join(dir, "specs"));
  rebuilds = [];
  execs = [];
  lines = [];
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(
  what: string,
  fn: () => T | undefined | null | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const specPath = () => join(dir, "specs", "w.yaml");
const out = () => join(dir, "out", "w");
const save = (options: SpecOptions = {}) =>
  writeFileSync(specPath(), specYaml(3, { project: "w", ...options }));
/** how editors that write a temporary file and rename it over the original save */
const saveByRename = (text: string) => {
  writeFileSync(specPath() + ".tmp~", text);
  renameSync(specPath() + ".tmp~", specPath());
};

async function watch(options: Partial<Parameters<typeof startWatch>[0]> = {}): Promise<Watcher> {
  const w = await startWatch({
    inputs: [specPath()],
    out: out(),
    cwd: dir,
    execStdio: "ignore",
    log: (l) => lines.push(l),
    ...options,
  });
  w.on("rebuild", (e) => rebuilds.push(e));
  w.on("exec", (e) => execs.push(e));
  watcher = w;
  return w;
}

const nextRebuild = (after: number) => waitFor(`rebuild #${after + 1}`, () => rebuilds[after]);

/** path -> mtime of every file below root */
function mtimes(root: string): Record<string, number> {
  const m: Record<string, number> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else m[p.slice(root.length + 1)] = statSync(p).mtimeMs;
    }
  };
  walk(root);
  return m;
}

function filesOf(workflow: string): string[] {
  return Object.entries(readManifest(out())?.files ?? {})
    .filter(([, f]) => f.workflow === workflow)
    .map(([p]) => p)
    .sort();
}

describe("gen watch", { timeout: 60_000 }, () => {
  it("builds at start, then on a save rewrites only the files whose content changed", async () => {
    save();
    const w = await watch();
    // the initial build is done when startWatch resolves
    expect(existsSync(join(out(), "dbt_project.yml"))).toBe(true);
    expect(w.outputs().get(specPath())).toBe(out());
    expect(lines.join("\n")).toMatch(/built out\/w: \d+ written, 0 unchanged, 0 removed \(\d+ ms\)/);
    const before = mtimes(out());

    const n = rebuilds.length;
    save({ variants: { 1: 1 } }); // edit workflow wf_0001 only
    const e = await nextRebuild(n);
    expect(e.ok).toBe(true);
    const b = e.specs[0]!;
    expect(b.status).toBe("built");
    expect(b.written.length).toBeGreaterThan(0);
    expect(b.unchanged.length).toBeGreaterThan(b.written.length);
    expect(b.written.every((p) => !p.includes("wf_0000") && !p.includes("wf_0002"))).toBe(true);
    const after = mtimes(out());
    for (const p of b.unchanged) expect(after[p], p).toBe(before[p]);
    expect(readFileSync(join(out(), "macros/workflows/wf_0001/wf_0001__definition.sql"), "utf8")).toMatch(
      /variant 1/,
    );
    expect(lines.at(-1)).toMatch(/built out\/w: \d+ written, \d+ unchanged, 0 removed \(\d+ ms\)/);

    // an editor that saves by renaming a temporary file over the spec
    saveByRename(specYaml(3, { project: "w", variants: { 1: 2 } }));
    await waitFor("the renamed save", () =>
      readFileSync(join(out(), "macros/workflows/wf_0001/wf_0001__definition.sql"), "utf8").includes(
        "variant 2",
      ),
    );
    // watch's cached, incremental rebuilds leave exactly what a fresh build would
    const fresh = compileSpec(readFileSync(specPath(), "utf8"), "specs/w.yaml").files ?? [];
    expect(checkOutput(out(), fresh)).toEqual({ stale: [], missing: [], extra: [] });
  });

  it("a broken save prints diagnostics and leaves the output as it was; the next good save rebuilds", async () => {
    save();
    await watch();
    const before = mtimes(out());
    const manifest = readFileSync(join(out(), ".gen-manifest.json"), "utf8");

    const n = rebuilds.length;
    // a typo in a connection name
    writeFileSync(specPath(), specYaml(3, { project: "w" }).replace("connection: api", "connection: apj"));
    const failed = await nextRebuild(n);
    expect(failed.ok).toBe(false);
    const b = failed.specs[0]!;
    expect(b.status).toBe("failed");
    expect(b.diagnostics.length).toBeGreaterThan(0);
    expect(b.diagnostics[0]?.location?.file).toBe("specs/w.yaml");
    expect(lines.join("\n")).toMatch(/specs\/w\.yaml:\d+:\d+ {2}.*connection/);
    expect(lines.at(-1)).toMatch(/failed specs\/w\.yaml: \d+ errors?, output left as it was/);
    expect(mtimes(out())).toEqual(before);
    expect(readFileSync(join(out(), ".gen-manifest.json"), "utf8")).toBe(manifest);

    // not even YAML
    writeFileSync(specPath(), "version: 1\nworkflows: [\n");
    const yamlError = await nextRebuild(n + 1);
    expect(yamlError.specs[0]?.status).toBe("failed");
    expect(mtimes(out())).toEqual(before);

    save({ variants: { 2: 5 } });
    const fixed = await nextRebuild(n + 2);
    expect(fixed.ok).toBe(true);
    expect(fixed.specs[0]?.written.some((p) => p.includes("wf_0002"))).toBe(true);
    expect(readFileSync(join(out(), "models/wf_0002/schema.yml"), "utf8")).toMatch(/variant 5/);
  });

  it("removing a workflow removes exactly its files; files the user added stay", async () => {
    save();
    await watch();
    const gone = filesOf("wf_0001");
    expect(gone.length).toBeGreaterThan(5);
    writeFileSync(join(out(), "models", "wf_0001", "my_notes.sql"), "-- mine\n");
    writeFileSync(join(out(), "models", "my_model.sql"), "select 1 as mine\n");
    const kept = Object.keys(readManifest(out())?.files ?? {}).filter((p) => !gone.includes(p));

    const n = rebuilds.length;
    save({ only: [0, 2] });
    const e = await nextRebuild(n);
    const b = e.specs[0]!;
    expect(b.removed.sort()).toEqual(gone);
    expect(b.removedWorkflows).toEqual(["wf_0001"]);
    expect(lines.at(-1)).toMatch(/\d+ removed, workflow wf_0001 removed/);
    for (const p of gone) expect(existsSync(join(out(), p)), p).toBe(false);
    for (const p of kept) expect(existsSync(join(out(), p)), p).toBe(true);
    expect(readFileSync(join(out(), "models", "wf_0001", "my_notes.sql"), "utf8")).toBe("-- mine\n");
    expect(readFileSync(join(out(), "models", "my_model.sql"), "utf8")).toBe("select 1 as mine\n");
  });

  it("a deleted spec removes the files generated for it and nothing else; re-creating it rebuilds", async () => {
    save();
    await watch();
    writeFileSync(join(out(), "models", "my_model.sql"), "select 1 as mine\n");
    const n = rebuilds.length;
    unlinkSync(specPath());
    const e = await nextRebuild(n);
    expect(e.specs[0]?.status).toBe("removed");
    expect(lines.at(-1)).toMatch(
      /removed specs\/w\.yaml was deleted: \d+ generated files removed from out\/w/,
    );
    expect(mtimes(out())).toEqual({ "models/my_model.sql": expect.any(Number) });

    save();
    await nextRebuild(n + 1);
    expect(existsSync(join(out(), "dbt_project.yml"))).toBe(true);
    expect(readFileSync(join(out(), "models", "my_model.sql"), "utf8")).toBe("select 1 as mine\n");
  });

  it("a user file where gen wants to write is refused: diagnostics, output unchanged, watching goes on", async () => {
    save({ only: [0] });
    await watch();
    mkdirSync(join(out(), "models", "wf_0001"), { recursive: true });
    writeFileSync(join(out(), "models", "wf_0001", "schema.yml"), "# mine\n");
    const before = mtimes(out());
    const n = rebuilds.length;
    save({ only: [0, 1] });
    const e = await nextRebuild(n);
    expect(e.specs[0]?.status).toBe("failed");
    expect(e.specs[0]?.diagnostics[0]?.message).toMatch(
      /models\/wf_0001\/schema\.yml was not written by gen/,
    );
    expect(mtimes(out())).toEqual(before);
    unlinkSync(join(out(), "models", "wf_0001", "schema.yml"));
    save({ only: [0, 1], variants: { 1: 1 } });
    expect((await nextRebuild(n + 1)).ok).toBe(true);
  });

  it("watches a directory of specs and ignores its own output inside it", async () => {
    save();
    writeFileSync(join(dir, "specs", "docker-compose.yml"), "services: {}\n"); // YAML, not a spec
    // the default output root is out/ under cwd; here the whole directory is watched, output included
    await watch({ inputs: ["."], out: undefined });
    expect(existsSync(join(dir, "out", "w", "models", "wf_0000", "schema.yml"))).toBe(true);
    for (let v = 1; v <= 3; v++) {
      const n = rebuilds.length;
      save({ variants: { 0: v } });
      await nextRebuild(n);
    }
    // a second spec in the same directory gets its own project directory
    writeFileSync(join(dir, "specs", "other.yaml"), specYaml(1, { project: "other" }));
    await waitFor("the second project", () => existsSync(join(dir, "out", "other", "dbt_project.yml")));
    const seen = new Set(rebuilds.flatMap((e) => e.specs.map((s) => s.spec)));
    expect([...seen].sort()).toEqual(["specs/other.yaml", "specs/w.yaml"]);
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["other", "w"]);
  });

  it("a renamed spec file keeps its project; a renamed project moves to its new directory", async () => {
    save();
    await watch({ inputs: ["specs"], out: undefined });
    renameSync(specPath(), join(dir, "specs", "renamed.yaml"));
    await waitFor("the renamed spec's build", () =>
      rebuilds.some((e) => e.specs.some((b) => b.spec === "specs/renamed.yaml" && b.status === "built")),
    );
    // the old name's unlink arrives later and must not remove what the new name now owns
    await waitFor("the old name to be forgotten", () => !watcher?.outputs().has(specPath()));
    expect(existsSync(join(out(), "dbt_project.yml"))).toBe(true);
    expect(rebuilds.flatMap((e) => e.specs).filter((b) => b.status !== "built")).toEqual([]);

    writeFileSync(join(out(), "my_model.sql"), "select 1\n");
    writeFileSync(join(dir, "specs", "renamed.yaml"), specYaml(3, { project: "w2" }));
    await waitFor("the new project directory", () => existsSync(join(dir, "out", "w2", "dbt_project.yml")));
    await waitFor("the old project's files to go", () => !existsSync(join(out(), "dbt_project.yml")));
    expect(readdirSync(out())).toEqual(["my_model.sql"]);
  });

  it("--exec runs after a rebuild in the output directory; a newer rebuild cancels a run in progress", async () => {
    const log = join(dir, "exec.log");
    const script = join(dir, "exec.mjs");
    writeFileSync(
      script,
      `import { appendFileSync } from "node:fs";
appendFileSync(${JSON.stringify(log)}, "start " + process.pid + " " + process.cwd() + "\\n");
setTimeout(() => appendFileSync(${JSON.stringify(log)}, "end " + process.pid + "\\n"), 20000);
`,
    );
    save();
    await watch({ exec: `node ${JSON.stringify(script)}` });
    const started = () =>
      (existsSync(log) ? readFileSync(log, "utf8").match(/^start \d+ .*$/gm) : null) ?? [];
    await waitFor("the first --exec run", () => started().length === 1);
    const [, pid1, cwd1] = started()[0]!.split(" ");
    expect(resolve(cwd1!)).toBe(out());
    expect(alive(Number(pid1))).toBe(true);

    save({ variants: { 0: 1 } });
    await waitFor("the second --exec run", () => started().length === 2);
    const [, pid2] = started()[1]!.split(" ");
    const first = execs.find((e) => e.phase === "exit");
    expect(first?.cancelled).toBe(true);
    await waitFor("the cancelled command's own process to end", () => !alive(Number(pid1)));
    expect(alive(Number(pid2))).toBe(true);

    // a save that changes no output file does not start the command again
    const runs = execs.filter((e) => e.phase === "start").length;
    const n = rebuilds.length;
    writeFileSync(specPath(), specYaml(3, { project: "w", variants: { 0: 1 } }) + "# a comment\n");
    const e = await nextRebuild(n);
    expect(e.changed).toBe(false);
    expect(execs.filter((x) => x.phase === "start").length).toBe(runs);

    await watcher?.close();
    await waitFor("the last command to end on close", () => !alive(Number(pid2)));
    expect(readFileSync(log, "utf8")).not.toMatch(/^end/m);
  });
});

describe("gen watch (CLI)", { timeout: 60_000 }, () => {
  it.each(["SIGINT", "SIGTERM"] as const)("builds, then exits 0 on %s", async (signal) => {
    save();
    const child = execa("node", [resolve("bin/gen.js"), "watch", "specs/w.yaml", "-o", "out/w"], {
      cwd: dir,
      reject: false,
      env: { NO_COLOR: "1" },
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    await waitFor("the CLI's first build", () => stderr.includes("watching for changes"));
    expect(stderr).toMatch(/built out\/w: \d+ written/);
    child.kill(signal);
    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(stderr).toMatch(/stopped watching/);
    expect(existsSync(join(out(), "dbt_project.yml"))).toBe(true);
  });

  it("exits 2 for a spec path whose directory does not exist", async () => {
    const r = await execa("node", [resolve("bin/gen.js"), "watch", "nowhere/w.yaml"], {
      cwd: dir,
      reject: false,
      env: { NO_COLOR: "1" },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/nowhere\/w\.yaml does not exist/);
  });
});

/** the process exists and is not a zombie waiting to be reaped */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
