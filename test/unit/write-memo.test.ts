import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileOutput } from "../../generator/render/index.ts";
import { WriteMemo, writeOutput } from "../../generator/write/index.ts";

let out: string;
beforeEach(() => {
  out = join(mkdtempSync(join(tmpdir(), "gen-memo-")), "out");
});
afterEach(() => rmSync(join(out, ".."), { recursive: true, force: true }));

const files = (v: number): FileOutput[] => [
  { path: "a.sql", content: "select 1\n" },
  { path: "m/b.sql", content: `select ${v}\n`, workflow: "b" },
  { path: "m/c.sql", content: "select 'c'\n", workflow: "c" },
];

describe("WriteMemo (gen watch skips re-reading files it wrote)", () => {
  it("gives the same results as writing without it", () => {
    const memo = new WriteMemo();
    const plain = join(out, "..", "plain");
    for (const v of [1, 1, 2, 3, 3]) {
      const a = writeOutput(out, files(v), { memo });
      const b = writeOutput(plain, files(v));
      expect(a).toEqual(b);
    }
    expect(readFileSync(join(out, ".gen-manifest.json"), "utf8")).toBe(
      readFileSync(join(plain, ".gen-manifest.json"), "utf8"),
    );
  });

  it("still notices a generated file edited by hand, even with the same size and its mtime put back", () => {
    const memo = new WriteMemo();
    writeOutput(out, files(1), { memo });
    const p = join(out, "a.sql");
    // a whole-second mtime, which utimes can put back exactly, seen by the memo on the next write
    const second = new Date(Date.UTC(2024, 0, 1));
    utimesSync(p, second, second);
    writeOutput(out, files(1), { memo });
    expect(statSync(p).mtimeMs).toBe(second.getTime());
    writeFileSync(p, "select 9\n"); // same size
    utimesSync(p, second, second); // same mtime; the ctime still moves
    const r = writeOutput(out, files(1), { memo });
    expect(r.written).toEqual(["a.sql"]);
    expect(readFileSync(p, "utf8")).toBe("select 1\n");
  });
});
