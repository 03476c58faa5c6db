import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GenError } from "../../generator/errors.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import type { FileOutput } from "../../generator/render/index.ts";
import {
  checkOutput,
  MANIFEST_FILE,
  readManifest,
  removeOutput,
  writeOutput,
  type WriteFs,
} from "../../generator/write/index.ts";

let dir: string;
let out: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gen-write-"));
  out = join(dir, "out");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = (extra: Record<string, string> = {}): FileOutput[] => [
  { path: "dbt_project.yml", content: "name: p\n" },
  { path: "models/a/a.sql", content: "select 1\n", workflow: "a" },
  { path: "models/a/schema.yml", content: "version: 2\n", workflow: "a" },
  { path: "models/b/b.sql", content: "select 2\n", workflow: "b" },
  ...Object.entries(extra).map(([path, content]) => ({ path, content })),
];

/** Every entry below root: kind, content, mtime and inode, to check that a tree did not change at all. */
function snapshot(root: string): Record<string, string> {
  const snap: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      const rel = p.slice(root.length + 1);
      if (e.isDirectory()) {
        snap[rel + "/"] = `dir ${st.ino}`;
        walk(p);
      } else snap[rel] = `file ${st.ino} ${st.mtimeMs} ${readFileSync(p, "utf8")}`;
    }
  };
  walk(root);
  return snap;
}

function expectGenError(fn: () => unknown, code: string): GenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GenError);
    expect((e as GenError).code).toBe(code);
    return e as GenError;
  }
  throw new Error(`expected a GenError ${code}`);
}

describe("writeOutput", () => {
  it("writes every file and a manifest with hashes and owning workflows", () => {
    const r = writeOutput(out, files());
    expect(r.written.sort()).toEqual(
      files()
        .map((f) => f.path)
        .sort(),
    );
    expect(readFileSync(join(out, "models/a/a.sql"), "utf8")).toBe("select 1\n");
    const m = readManifest(out);
    expect(Object.keys(m?.files ?? {}).sort()).toEqual(
      files()
        .map((f) => f.path)
        .sort(),
    );
    expect(m?.files["models/a/a.sql"]?.workflow).toBe("a");
    expect(m?.files["models/a/a.sql"]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dir)).toEqual(["out"]); // no staging directory left beside it
  });

  it("rewrites only changed files: unchanged files keep their mtime and inode", () => {
    writeOutput(out, files());
    const before = snapshot(out);
    const again = writeOutput(out, files());
    expect(again).toEqual({ written: [], unchanged: files().map((f) => f.path), removed: [], kept: [] });
    expect(snapshot(out)).toEqual(before); // the manifest too

    const changed = files().map((f) => (f.path === "models/b/b.sql" ? { ...f, content: "select 3\n" } : f));
    const r = writeOutput(out, changed);
    expect(r.written).toEqual(["models/b/b.sql"]);
    const after = snapshot(out);
    for (const p of ["dbt_project.yml", "models/a/a.sql", "models/a/schema.yml"])
      expect(after[p]).toBe(before[p]);
    expect(after["models/b/b.sql"]).toMatch(/select 3/);
    expect(readdirSync(out).filter((n) => n.startsWith(".gen-tmp"))).toEqual([]);
  });

  it("removes files it no longer generates, and the directories they leave empty", () => {
    writeOutput(out, files());
    const r = writeOutput(
      out,
      files().filter((f) => f.workflow !== "a"),
    );
    expect(r.removed.sort()).toEqual(["models/a/a.sql", "models/a/schema.yml"]);
    expect(readdirSync(join(out, "models"))).toEqual(["b"]);
    expect(Object.keys(readManifest(out)?.files ?? {})).not.toContain("models/a/a.sql");
  });

  it("never overwrites a file it did not write without force, and never deletes one", () => {
    mkdirSync(join(out, "models/a"), { recursive: true });
    writeFileSync(join(out, "models/a/a.sql"), "-- mine\n");
    writeFileSync(join(out, "models/a/mine.sql"), "-- also mine\n");
    const before = snapshot(out);
    const e = expectGenError(() => writeOutput(out, files()), "output-conflict");
    expect(e.message).toMatch(/models\/a\/a\.sql was not written by gen/);
    expect(snapshot(out)).toEqual(before);

    // with --force the generated file replaces it; the user's other file stays through every later build
    writeOutput(out, files(), { force: true });
    expect(readFileSync(join(out, "models/a/a.sql"), "utf8")).toBe("select 1\n");
    writeOutput(
      out,
      files().filter((f) => f.workflow !== "a"),
    );
    expect(readFileSync(join(out, "models/a/mine.sql"), "utf8")).toBe("-- also mine\n");
    removeOutput(out);
    expect(readFileSync(join(out, "models/a/mine.sql"), "utf8")).toBe("-- also mine\n");
    expect(readdirSync(out).sort()).toEqual(["models"]);
  });

  it("refuses a file where it needs a directory and a directory where it writes a file; nothing changes", () => {
    writeOutput(out, files());
    // the user replaced the directory models/b by a file
    rmSync(join(out, "models/b"), { recursive: true });
    writeFileSync(join(out, "models/b"), "not a directory\n");
    mkdirSync(join(out, "extra.sql")); // and made a directory where gen will write a file
    const before = snapshot(out);
    const changed = files({ "extra.sql": "x\n" }).map((f) =>
      f.path === "dbt_project.yml" ? { ...f, content: "name: q\n" } : f,
    );
    const e = expectGenError(() => writeOutput(out, changed), "output-conflict");
    expect(e.message).toMatch(/models\/b is a file where gen needs a directory/);
    expect(e.message).toMatch(/extra\.sql is a directory/);
    expect(snapshot(out)).toEqual(before);
  });

  it("a failure at any step of the commit leaves the directory exactly as it was", () => {
    writeOutput(out, files());
    writeFileSync(join(out, "user.txt"), "user\n");
    const before = snapshot(out);
    // every kind of change at once: a replaced file, a new file in a new directory, a removed workflow
    const next = files({ "models/c/c.sql": "select 4\n" })
      .filter((f) => f.workflow !== "a")
      .map((f) => (f.path === "dbt_project.yml" ? { ...f, content: "name: q\n" } : f));
    let failures = 0;
    for (let failAt = 1; ; failAt++) {
      let calls = 0;
      const failing: Partial<WriteFs> = {
        renameSync: (a, b) => {
          if (++calls === failAt) throw Object.assign(new Error("injected"), { code: "EIO" });
          renameSync(a, b);
        },
      };
      try {
        writeOutput(out, next, { fs: failing });
      } catch (e) {
        expect((e as GenError).code).toBe("write-failed");
        expect((e as GenError).message).toMatch(/EIO/);
        expect(snapshot(out)).toEqual(before);
        failures++;
        continue;
      }
      break; // failAt is past the last rename: the write went through
    }
    expect(failures).toBeGreaterThanOrEqual(5);
    expect(readFileSync(join(out, "dbt_project.yml"), "utf8")).toBe("name: q\n");
    expect(readFileSync(join(out, "user.txt"), "utf8")).toBe("user\n");
  });

  it("a failure removing an emptied directory undoes the whole write", () => {
    writeOutput(out, files());
    const before = snapshot(out);
    const failing: Partial<WriteFs> = {
      rmdirSync: () => {
        throw Object.assign(new Error("injected"), { code: "EBUSY" });
      },
    };
    const next = files({ "models/c/c.sql": "select 4\n" }).filter((f) => f.workflow !== "a");
    expectGenError(() => writeOutput(out, next, { fs: failing }), "write-failed");
    expect(snapshot(out)).toEqual(before);
  });

  it("a failure while staging (disk full) leaves the directory exactly as it was", () => {
    writeOutput(out, files());
    const before = snapshot(out);
    let calls = 0;
    const diskFull: Partial<WriteFs> = {
      writeFileSync: (p, c) => {
        if (++calls === 2) throw Object.assign(new Error("injected"), { code: "ENOSPC" });
        writeFileSync(p, c);
      },
    };
    const changed = files().map((f) => ({ ...f, content: f.content + "-- v2\n" }));
    const e = expectGenError(() => writeOutput(out, changed, { fs: diskFull }), "write-failed");
    expect(e.message).toMatch(/ENOSPC/);
    expect(snapshot(out)).toEqual(before);
  });

  it("a read-only output directory gives a clear diagnostic and stays as it was", () => {
    // as root, chmod does not stop writes: the read-only file system's error is injected where it would occur
    writeOutput(out, files());
    const before = snapshot(out);
    const readOnly: Partial<WriteFs> = {
      mkdirSync: () => {
        throw Object.assign(new Error("read-only file system"), { code: "EROFS" });
      },
      writeFileSync: () => {
        throw Object.assign(new Error("read-only file system"), { code: "EROFS" });
      },
    };
    const changed = files().map((f) => ({ ...f, content: f.content + "-- v2\n" }));
    const e = expectGenError(() => writeOutput(out, changed, { fs: readOnly }), "write-failed");
    expect(e.message).toBe(`cannot write to ${out}: EROFS`);
    expect(e.diagnostics[0]?.hint).toMatch(/writable.*nothing was changed/);
    expect(snapshot(out)).toEqual(before);
  });

  it("a failure while writing a new directory leaves nothing behind", () => {
    const target = join(dir, "a", "b", "out");
    const diskFull: Partial<WriteFs> = {
      writeFileSync: () => {
        throw Object.assign(new Error("injected"), { code: "ENOSPC" });
      },
    };
    expectGenError(() => writeOutput(target, files(), { fs: diskFull }), "write-failed");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses an output path that is a file (a usage error)", () => {
    writeFileSync(out, "a file\n");
    const e = expectGenError(() => writeOutput(out, files()), "output-unusable");
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/is not a directory/);
    expect(readFileSync(out, "utf8")).toBe("a file\n");
  });

  it("reports a corrupt manifest instead of guessing what it owns", () => {
    mkdirSync(out);
    writeFileSync(join(out, MANIFEST_FILE), "{not json");
    expectGenError(() => writeOutput(out, files()), "bad-manifest");
  });

  it("writes a real project identically twice (policy spec)", () => {
    const compiled = compileSpec(readFileSync("specs/policy.yaml", "utf8"), "specs/policy.yaml");
    const generated = compiled.files ?? [];
    expect(generated.length).toBeGreaterThan(20);
    writeOutput(out, generated);
    const before = snapshot(out);
    expect(writeOutput(out, generated).written).toEqual([]);
    expect(snapshot(out)).toEqual(before);
    expect(checkOutput(out, generated)).toEqual({ stale: [], missing: [], extra: [] });
  });
});

describe("removeOutput", () => {
  it("removes exactly the generated files and the manifest; user files and their directories stay", () => {
    writeOutput(out, files());
    writeFileSync(join(out, "models/b/mine.sql"), "-- mine\n");
    const r = removeOutput(out);
    expect(r.removed.sort()).toEqual(
      files()
        .map((f) => f.path)
        .sort(),
    );
    expect(snapshot(out)).toMatchObject({ "models/b/mine.sql": expect.stringMatching(/-- mine/) });
    expect(Object.keys(snapshot(out)).sort()).toEqual(["models/", "models/b/", "models/b/mine.sql"]);
    expect(readManifest(out)).toBeNull();
  });

  it("is a no-op on a directory gen never wrote to", () => {
    mkdirSync(out);
    writeFileSync(join(out, "x.sql"), "x\n");
    const nothing = { written: [], unchanged: [], removed: [], kept: [] };
    expect(removeOutput(out)).toEqual(nothing);
    expect(removeOutput(join(dir, "missing"))).toEqual(nothing);
    expect(readFileSync(join(out, "x.sql"), "utf8")).toBe("x\n");
  });
});

describe("checkOutput", () => {
  it("finds stale, missing and extra files", () => {
    writeOutput(out, files({ "old.sql": "old\n" }));
    expect(checkOutput(out, files({ "old.sql": "old\n" }))).toEqual({ stale: [], missing: [], extra: [] });
    writeFileSync(join(out, "models/a/a.sql"), "select 'edited'\n");
    rmSync(join(out, "models/b/b.sql"));
    const r = checkOutput(out, files());
    expect(r).toEqual({ stale: ["models/a/a.sql"], missing: ["models/b/b.sql"], extra: ["old.sql"] });
    expect(statSync(join(out, "old.sql")).isFile()).toBe(true); // check writes nothing
  });
});
