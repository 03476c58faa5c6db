// The writer never leaves its output directory: no symbolic link inside it is followed, a tampered
// manifest deletes nothing it should not, unusable output directories are usage errors, and two specs of
// one project name are refused before anything is written. Real files in temp dirs, the real CLI.
import { execa } from "execa";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GenError } from "../../generator/errors.ts";
import type { FileOutput } from "../../generator/render/index.ts";
import { startWatch, type Watcher } from "../../generator/watch/index.ts";
import {
  MANIFEST_FILE,
  readManifest,
  removeOutput,
  sha256,
  writeOutput,
  type WriteFs,
} from "../../generator/write/index.ts";

const GEN = join(process.cwd(), "bin/gen.js");
const POLICY = resolve("specs/policy.yaml");
// a time limit, so that a regression (gen watch starting to watch) cannot leave a process behind
const gen = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  execa("node", [GEN, ...args], { reject: false, cwd, env: { NO_COLOR: "1", ...env }, timeout: 25_000 });

let dir: string;
let out: string;
let elsewhere: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gen-write-safety-"));
  out = join(dir, "out");
  elsewhere = join(dir, "elsewhere");
  mkdirSync(elsewhere);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = (extra: Record<string, string> = {}): FileOutput[] => [
  { path: "dbt_project.yml", content: "name: p\n" },
  { path: "macros/m.sql", content: "{% macro m() %}1{% endmacro %}\n", workflow: "a" },
  { path: "models/a/a.sql", content: "select 1\n", workflow: "a" },
  ...Object.entries(extra).map(([path, content]) => ({ path, content })),
];

/** Every entry below root without following links: kind, identity, content or link target. */
function snapshot(root: string): Record<string, string> {
  const snap: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      const rel = p.slice(root.length + 1);
      if (e.isSymbolicLink()) snap[rel] = `link ${st.ino}`;
      else if (e.isDirectory()) {
        snap[rel + "/"] = `dir ${st.ino}`;
        walk(p);
      } else snap[rel] = `file ${st.ino} ${st.mtimeMs} ${readFileSync(p, "utf8")}`;
    }
  };
  walk(root);
  return snap;
}

function genError(fn: () => unknown): GenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GenError);
    return e as GenError;
  }
  throw new Error("expected a GenError");
}

describe("symbolic links inside the output directory", () => {
  it("a directory link in an existing output directory: the build refuses, nothing is written anywhere", async () => {
    // the reported case: `ln -s /elsewhere out/macros`, then gen build
    mkdirSync(out);
    symlinkSync(elsewhere, join(out, "macros"));
    const r = await gen(["build", POLICY, "-o", "out"], dir);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `gen does not follow symbolic links inside its output directory: macros -> ${elsewhere}`,
    );
    expect(r.stderr).toMatch(/nothing was written/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readdirSync(out)).toEqual(["macros"]);
  });

  it("a directory swapped for a link after a build: the rebuild refuses and changes nothing", async () => {
    expect((await gen(["build", POLICY, "-o", "out"], dir)).exitCode).toBe(0);
    rmSync(join(out, "macros"), { recursive: true });
    symlinkSync(elsewhere, join(out, "macros"));
    const before = snapshot(out);
    const r = await gen(["build", POLICY, "-o", "out"], dir);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("macros -> ");
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(snapshot(out)).toEqual(before);
  });

  it("a link deeper down, and a link to a file where gen writes a file, are refused alike", () => {
    writeOutput(out, files());
    const victim = join(elsewhere, "victim.yml");
    writeFileSync(victim, "precious\n");
    rmSync(join(out, "dbt_project.yml"));
    symlinkSync(victim, join(out, "dbt_project.yml"));
    rmSync(join(out, "models", "a"), { recursive: true });
    symlinkSync(elsewhere, join(out, "models", "a"));
    const before = snapshot(out);
    const changed = files().map((f) => ({ ...f, content: f.content + "-- v2\n" }));
    for (const force of [false, true]) {
      const e = genError(() => writeOutput(out, changed, { force }));
      expect(e.code).toBe("output-symlink");
      expect(e.message).toContain(`dbt_project.yml -> ${victim}`);
      expect(e.message).toContain(`models/a -> ${elsewhere}`);
    }
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(readdirSync(elsewhere)).toEqual(["victim.yml"]);
    expect(snapshot(out)).toEqual(before);
  });

  it("a linked manifest is refused, not read or replaced", () => {
    writeOutput(out, files());
    const decoy = join(elsewhere, "manifest.json");
    writeFileSync(decoy, readFileSync(join(out, MANIFEST_FILE), "utf8"));
    rmSync(join(out, MANIFEST_FILE));
    symlinkSync(decoy, join(out, MANIFEST_FILE));
    const e = genError(() => writeOutput(out, files({ "new.sql": "x\n" })));
    expect(e.code).toBe("output-symlink");
    expect(e.message).toContain(MANIFEST_FILE);
    expect(existsSync(join(out, "new.sql"))).toBe(false);
  });

  it("a link swapped in while the files are being staged is caught before the first rename", () => {
    writeOutput(out, files());
    let swapped = false;
    const swapDuringStaging: Partial<WriteFs> = {
      writeFileSync: (p, c) => {
        if (!swapped) {
          swapped = true;
          renameSync(join(out, "models", "a"), join(elsewhere, "a"));
          symlinkSync(join(elsewhere, "a"), join(out, "models", "a"));
        }
        writeFileSync(p, c);
      },
    };
    const changed = files().map((f) => ({ ...f, content: f.content + "-- v2\n" }));
    const e = genError(() => writeOutput(out, changed, { fs: swapDuringStaging }));
    expect(e.code).toBe("output-symlink");
    expect(readFileSync(join(elsewhere, "a", "a.sql"), "utf8")).toBe("select 1\n");
    expect(readdirSync(out).filter((n) => n.startsWith(".gen-tmp"))).toEqual([]);
    expect(readFileSync(join(out, "dbt_project.yml"), "utf8")).toBe("name: p\n");
  });

  it("the directory the user named may be a link; the default out/ below the current directory may not", async () => {
    symlinkSync(elsewhere, join(dir, "out"));
    const refused = await gen(["build", POLICY], dir);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`out -> ${elsewhere}`);
    expect(readdirSync(elsewhere)).toEqual([]);
    // naming the path through the link says it is meant
    const named = await gen(["build", POLICY, "-o", "out/policy_workflows"], dir);
    expect(named.exitCode, named.stderr).toBe(0);
    expect(existsSync(join(elsewhere, "policy_workflows", "dbt_project.yml"))).toBe(true);
  });
});

describe("removal trusts only what the manifest recorded and the file still has", () => {
  it("a tampered manifest deletes nothing outside, nothing edited and no link; each is reported", async () => {
    const victim = join(elsewhere, "victim.txt");
    writeFileSync(victim, "victim\n");
    const linkTarget = join(elsewhere, "linked.sql");
    writeFileSync(linkTarget, "linked\n");
    expect((await gen(["build", POLICY, "-o", "out"], dir)).exitCode).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), "utf8")) as {
      files: Record<string, { sha256: string }>;
    };
    const victimHash = { sha256: sha256("victim\n") }; // even the right hash does not make these gen's
    manifest.files["../elsewhere/victim.txt"] = victimHash;
    manifest.files[victim] = victimHash;
    manifest.files["models/../../elsewhere/victim.txt"] = victimHash;
    manifest.files["../\u001b[2Jcleared"] = victimHash; // a terminal escape in a name is printed escaped
    manifest.files["edited.sql"] = { sha256: sha256("as gen wrote it\n") };
    writeFileSync(join(out, "edited.sql"), "edited by hand\n");
    manifest.files["linked.sql"] = { sha256: sha256("linked\n") };
    symlinkSync(linkTarget, join(out, "linked.sql"));
    writeFileSync(join(out, MANIFEST_FILE), JSON.stringify(manifest));

    const r = await gen(["build", POLICY, "-o", "out", "--json"], dir);
    expect(r.exitCode, r.stderr).toBe(0);
    const kept = (JSON.parse(r.stdout) as { results: { kept: { path: string; reason: string }[] }[] })
      .results[0]?.kept;
    expect(Object.fromEntries((kept ?? []).map((k) => [k.path, k.reason]))).toEqual({
      "../elsewhere/victim.txt": "it is not a path inside the output directory",
      [victim]: "it is not a path inside the output directory",
      "models/../../elsewhere/victim.txt": "it is not a path inside the output directory",
      "../\u001b[2Jcleared": "it is not a path inside the output directory",
      "edited.sql": "it was changed since gen wrote it",
      "linked.sql": "it is a symbolic link",
    });
    expect(r.stderr).toContain(`warning: out: kept "edited.sql", named in ${MANIFEST_FILE}`);
    expect(r.stderr).toContain('kept "../\\u{1b}[2Jcleared"');
    expect(r.stderr).not.toContain("\u001b");
    expect(readFileSync(victim, "utf8")).toBe("victim\n");
    expect(readFileSync(linkTarget, "utf8")).toBe("linked\n");
    expect(readFileSync(join(out, "edited.sql"), "utf8")).toBe("edited by hand\n");
    expect(lstatSync(join(out, "linked.sql")).isSymbolicLink()).toBe(true);
    // gen no longer tracks them, and still builds
    expect(Object.keys(readManifest(out)?.files ?? {})).not.toContain("edited.sql");
    expect((await gen(["build", POLICY, "-o", "out"], dir)).stderr).not.toMatch(/kept/);
  });

  it("removeOutput (a deleted spec) deletes only unedited regular files below no link", () => {
    writeOutput(out, files({ "models/b/b.sql": "select 2\n" }));
    writeFileSync(join(out, "models/a/a.sql"), "select 'edited'\n");
    renameSync(join(out, "models", "b"), join(elsewhere, "b"));
    symlinkSync(join(elsewhere, "b"), join(out, "models", "b"));
    const r = removeOutput(out);
    expect(r.removed.sort()).toEqual(["dbt_project.yml", "macros/m.sql"]);
    expect(r.kept).toEqual([
      { path: "models/a/a.sql", reason: "it was changed since gen wrote it" },
      { path: "models/b/b.sql", reason: "models/b above it is a symbolic link" },
    ]);
    expect(readFileSync(join(out, "models/a/a.sql"), "utf8")).toBe("select 'edited'\n");
    expect(readFileSync(join(elsewhere, "b", "b.sql"), "utf8")).toBe("select 2\n");
  });

  it("a manifest that is not JSON, or not of the right shape, is a diagnostic (exit 1), not a crash", async () => {
    expect((await gen(["build", POLICY, "-o", "out"], dir)).exitCode).toBe(0);
    const cases: [string, RegExp][] = [
      ["{not json", /not JSON/],
      ["[]", /not a gen manifest/],
      [`{"generator":"gen","version":1,"files":[]}`, /"files" is not an object/],
      [`{"generator":"gen","version":1,"files":{"a.sql":"abc"}}`, /the entry "a\.sql" has no sha256 hash/],
      [`{"generator":"gen","version":1,"files":{"a.sql":{"sha256":"x"}}}`, /has no sha256 hash/],
      [`{"generator":"gen","version":1,"files":{"__proto__":{"sha256":7}}}`, /"__proto__" has no sha256/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(out, MANIFEST_FILE), text);
      const before = snapshot(out);
      const r = await gen(["build", POLICY, "-o", "out"], dir);
      expect(r.exitCode, text).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/is not a valid gen manifest/);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(snapshot(out)).toEqual(before);
    }
  });
});

describe("unusable output directories are usage errors", () => {
  it("-o / exits 2 with a hint and writes nothing", async () => {
    const r = await gen(["build", POLICY, "-o", "/"], dir);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain("/ cannot be the output directory: it is the root of the file system");
    expect(r.stderr).toMatch(/e\.g\. -o out\/my_project/);
    expect(existsSync("/dbt_project.yml")).toBe(false);
  });

  it("the home directory and a path that is not a directory exit 2", async () => {
    const home = join(dir, "home");
    mkdirSync(home);
    const r = await gen(["build", POLICY, "-o", home], dir, { HOME: home });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/it is your home directory/);
    expect(readdirSync(home)).toEqual([]);
    writeFileSync(join(dir, "a-file"), "x\n");
    for (const o of ["a-file", "a-file/below"]) {
      const f = await gen(["build", POLICY, "-o", o], dir);
      expect(f.exitCode, o).toBe(2);
      expect(f.stderr).toMatch(
        /cannot be the output directory: (it is not a directory|a directory above it is a file)/,
      );
    }
    expect(readFileSync(join(dir, "a-file"), "utf8")).toBe("x\n");
  });

  it("gen watch with -o / exits 2 at once", async () => {
    writeFileSync(join(dir, "w.yaml"), readFileSync(POLICY, "utf8"));
    const r = await gen(["watch", "w.yaml", "-o", "/"], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/root of the file system/);
  });
});

describe("two specs with one project name", () => {
  it("gen build a.yaml b.yaml refuses, naming both, and writes nothing", async () => {
    const text = readFileSync(POLICY, "utf8");
    writeFileSync(join(dir, "a.yaml"), text);
    writeFileSync(join(dir, "b.yaml"), text);
    for (const args of [["-o", "out"], []]) {
      const r = await gen(["build", "a.yaml", "b.yaml", ...args], dir);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        /^b\.yaml:\d+:\d+ {2}project policy_workflows is also generated by a\.yaml into out\/policy_workflows: the two would overwrite each other/m,
      );
      expect(existsSync(out)).toBe(false);
    }
    // one file named twice is one spec
    expect((await gen(["build", "a.yaml", "./a.yaml", "-o", "out"], dir)).exitCode).toBe(0);
  });

  describe("gen watch on a directory", () => {
    let watcher: Watcher | undefined;
    afterEach(async () => {
      await watcher?.close();
      watcher = undefined;
    });

    it("refuses both specs of one batch (neither wins by file order) and writes nothing", async () => {
      const text = readFileSync(POLICY, "utf8");
      mkdirSync(join(dir, "specs"));
      writeFileSync(join(dir, "specs", "a.yaml"), text);
      writeFileSync(join(dir, "specs", "b.yaml"), text);
      const lines: string[] = [];
      // the initial build is done when startWatch resolves
      watcher = await startWatch({ inputs: ["specs"], cwd: dir, log: (l) => lines.push(l) });
      expect(existsSync(out)).toBe(false);
      expect(lines.join("\n")).toMatch(
        /specs\/a\.yaml:\d+:\d+ {2}project policy_workflows is also generated by specs\/b\.yaml/,
      );
      expect(lines.join("\n")).toMatch(
        /specs\/b\.yaml:\d+:\d+ {2}project policy_workflows is also generated by specs\/a\.yaml/,
      );
    });
  });
});
