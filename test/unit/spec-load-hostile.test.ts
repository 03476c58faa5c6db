/**
 * Loading specs written to attack gen: size and expansion limits, alias cycles, nesting, characters
 * no generated file can hold, `__proto__`, integers beyond 2^53, and reading only regular files.
 * The committed cases live in test/fixtures/bad-specs/hostile-*.yaml (run by spec-rules.test.ts);
 * these are the ones generated here (too large to commit) and the boundaries.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  ExitCode,
  formatDiagnostic,
  GenError,
  showControlCharacters,
  toJsonText,
} from "../../generator/errors.ts";
import { readSpecFile } from "../../generator/spec/file.ts";
import { parseSpec } from "../../generator/spec/index.ts";
import { loadYaml, SPEC_LIMITS } from "../../generator/spec/load.ts";

const MINIMAL = readFileSync(new URL("../fixtures/good-specs/minimal.yaml", import.meta.url), "utf8");
/** The minimal spec with `value` as the body of its one request. */
const withBody = (value: string, before = "") => `${before}${MINIMAL}          body: ${value}\n`;
const codes = (text: string) => loadYaml(text, "f.yaml").diagnostics.map((d) => d.code);

describe("size limits", () => {
  it("refuses spec text over the size limit before reading it as YAML", () => {
    const text = withBody(`"${"a".repeat(SPEC_LIMITS.maxBytes)}"`);
    const started = performance.now();
    const { spec, diagnostics } = parseSpec(text, "big.yaml");
    expect(performance.now() - started).toBeLessThan(5_000); // a guard against hanging, not a timing
    expect(spec).toBeUndefined();
    expect(diagnostics.map((d) => formatDiagnostic(d))).toEqual([
      "big.yaml:1:1  the spec is larger than gen's limit of 4 MiB (4 MiB)  (split it into several specs; gen build takes several at once)",
    ]);
  });

  it("counts bytes, not characters", () => {
    // 1.5 M three-byte characters: 1.5 M UTF-16 units, 4.5 MB of UTF-8
    expect(codes(`a: "${"中".repeat(1_500_000)}"\n`)).toEqual(["spec-too-large"]);
  });

  it("refuses a chain of 10,000 aliases (shallow text, 10,000 levels deep) where it passes 100", () => {
    const chain = ["x-chain:", "  - &c0 [end]"];
    for (let i = 1; i < 10_000; i++) chain.push(`  - &c${i} [*c${i - 1}]`);
    const { data, diagnostics } = loadYaml(withBody("*c9999", chain.join("\n") + "\n"), "chain.yaml");
    expect(data).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.location?.line])).toEqual([["yaml-too-deep", 101]]); // the line of &c99 [*c98]
  });

  it("allows nesting 100 levels deep and refuses 101, written out or through aliases", () => {
    expect(codes(`x: ${"[".repeat(100)}${"]".repeat(100)}\n`)).toEqual([]);
    expect(codes(`x: ${"[".repeat(101)}${"]".repeat(101)}\n`)).toEqual(["yaml-too-deep"]);
    expect(codes(`x: ${"[".repeat(500)}${"]".repeat(500)}\n`)).toEqual(["yaml-too-deep"]);
    // 50 levels under an anchor, used 50 levels down: 100 in all, then 101
    const deep = (n: number) =>
      `a: &a ${"[".repeat(50)}${"]".repeat(50)}\nb: ${"[".repeat(n)}*a${"]".repeat(n)}\n`;
    expect(codes(deep(50))).toEqual([]);
    expect(codes(deep(51))).toEqual(["yaml-too-deep"]);
  });

  it("counts the expansion of aliases to strings too, and allows up to the limit", () => {
    const big = "x".repeat(100_000);
    // each use counts the string's 100,000 characters plus one value
    const uses = (n: number) =>
      `s: &s "${big}"\nuses: [${Array.from({ length: n }, () => "*s").join(", ")}]\n`;
    const fits = Math.floor(SPEC_LIMITS.maxExpandedSize / 100_001) - 2;
    expect(codes(uses(fits))).toEqual([]);
    expect(codes(uses(fits + 3))).toEqual(["yaml-alias-expansion"]);
  });

  it("refuses a string alias bomb quickly", () => {
    const text = `s: &s "${"x".repeat(1_000_000)}"\nuses: [${Array.from({ length: 100_000 }, () => "*s").join(", ")}]\n`;
    const started = performance.now();
    const { data, diagnostics } = loadYaml(text, "f.yaml");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(data).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(["yaml-alias-expansion"]);
  });

  it("keeps anchors and merge keys working (each use is counted, well within the limits)", () => {
    const steps = Array.from(
      { length: 200 },
      (_, i) => `      - name: s${i}\n        request: { <<: *req, path: /p${i} }\n        poll: *poll`,
    ).join("\n");
    const text = [
      "version: 1",
      "project: { name: p, targets: [duckdb] }",
      "x-request: &req { connection: api, method: POST, body: { a: [1, 2, 3], b: { c: text } } }",
      "x-poll: &poll { status: $.s, success: [ok], max_attempts: 3 }",
      "connections: { api: { base_url: 'http://h' } }",
      "workflows:",
      "  - name: w",
      "    steps:",
      steps,
    ].join("\n");
    const { spec, diagnostics } = parseSpec(text, "f.yaml");
    expect(diagnostics).toEqual([]);
    expect(spec?.workflows[0]?.steps[199]?.request).toMatchObject({ method: "POST", path: "/p199" });
  });
});

describe("characters", () => {
  it("keeps tab, line breaks and printable Unicode exactly", () => {
    const kept =
      "tab\there, line\nbreak, CR\r, é ü ñ ß, 中文, 日本語, 한국어, עברית, 🚀 ✓ 👩‍💻, \u2028 \ufeff \u00a0 \ud83d\ude00";
    const { data, diagnostics } = loadYaml(
      `a: ${JSON.stringify(kept)}\nb: "plain é 中 🚀"\n"ключ": 1\n`,
      "f.yaml",
    );
    expect(diagnostics).toEqual([]);
    expect(data).toEqual({ a: kept, b: "plain é 中 🚀", ключ: 1 });
  });

  it("refuses every character outside YAML's printable set, written raw or as an escape", () => {
    for (const ch of [
      "\x00",
      "\x07",
      "\x0b",
      "\x1b",
      "\x7f",
      "\x80",
      "\x85",
      "\x9b",
      "\x9f",
      "\ufffe",
      "\uffff",
    ]) {
      const escaped = `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
      expect(codes(`a: "x${escaped}y"\n`), escaped).toEqual(["control-character"]);
      expect(codes(`a: 'x${ch}y'\n`), `raw ${escaped}`).toEqual(["control-character"]);
    }
    expect(codes(`a: "\\ud800"\n`)).toEqual(["control-character"]);
    expect(codes(`a: "x\\udc00"\n`)).toEqual(["control-character"]);
    expect(codes(`"\\e[31m": 1\n`)).toEqual(["control-character"]);
  });

  it("reports at most 20 of them (a binary file has millions)", () => {
    expect(codes(`a: "${"\x01".repeat(1000)}"\n`)).toHaveLength(20);
    expect(codes(`a: [${Array.from({ length: 1000 }, () => '"\\x01"').join(", ")}]\n`)).toHaveLength(20);
  });
});

describe("keys and numbers", () => {
  it("refuses __proto__ keys and leaves Object.prototype alone", () => {
    const { data, diagnostics } = loadYaml(withBody("{ __proto__: { polluted: true } }"), "f.yaml");
    expect(data).toBeUndefined();
    expect(diagnostics.map((d) => formatDiagnostic(d))).toEqual([
      'f.yaml:15:19  the key "__proto__" is not allowed  (JavaScript gives __proto__ a special meaning, so gen cannot keep it as data; rename the key)',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(codes(`a:\n  b:\n    - __proto__: 1\n`)).toEqual(["reserved-key"]);
  });

  it("keeps constructor and prototype keys as ordinary data", () => {
    const { spec, diagnostics } = parseSpec(
      withBody("{ constructor: 1, prototype: { toString: x }, hasOwnProperty: 2 }").replace(
        "  - name: ping\n",
        "  - name: ping\n    input: { constructor: c, prototype: p }\n",
      ),
      "f.yaml",
    );
    expect(diagnostics).toEqual([]);
    const wf = spec!.workflows[0]!;
    expect(Object.entries(wf.input as object)).toEqual([
      ["constructor", "c"],
      ["prototype", "p"],
    ]);
    expect(JSON.stringify(wf.steps[0]!.request.body)).toBe(
      '{"constructor":1,"prototype":{"toString":"x"},"hasOwnProperty":2}',
    );
  });

  it("refuses integers beyond 2^53 - 1 with the value to quote, and keeps floats and quoted digits", () => {
    const { data, diagnostics } = loadYaml(
      "a: 9007199254740991\nb: -9007199254740991\nc: 9007199254740992\nd: 1e20\ne: 1.5e300\nf: '12345678901234567890'\ng: 1_000\n",
      "f.yaml",
    );
    expect(diagnostics.map((d) => formatDiagnostic(d))).toEqual([
      'f.yaml:3:4  the integer 9007199254740992 is too large to keep exactly (the largest is 9007199254740991)  (quote it to keep it as text: "9007199254740992")',
    ]);
    expect(data).toMatchObject({
      a: 9007199254740991,
      b: -9007199254740991,
      d: 1e20,
      f: "12345678901234567890",
    });
  });
});

describe("diagnostics show control characters as escapes", () => {
  it("in the message, the hint and the file name; tab and line feed stay", () => {
    const line = formatDiagnostic({
      severity: "error",
      code: "x",
      message: 'unknown key "\x1b[2J\x9b31m\r\u202eevil\u2028"',
      hint: "did you mean \x07?\ttab\nnext",
      location: { file: "spec\x1b].yaml", line: 1, col: 2 },
    });
    expect(line).toBe(
      'spec\\x1b].yaml:1:2  unknown key "\\x1b[2J\\x9b31m\\x0d\\u202eevil\\u2028"  (did you mean \\x07?\ttab\nnext)',
    );
    expect(showControlCharacters("é 中 🚀 \ud83d\ude00")).toBe("é 中 🚀 \ud83d\ude00");
    expect(showControlCharacters("lone \ud800")).toBe("lone \\ud800");
  });

  it("as JSON that parses back to the same text and holds no raw control character", () => {
    const value = { message: 'key "\x1b[31m\x7f\x9b\u202e\u2028\ud800" é 🚀', n: 1 };
    const json = toJsonText(value);
    expect(JSON.parse(json)).toEqual(value);
    // eslint-disable-next-line no-control-regex -- control characters are what the JSON must not hold
    expect(json).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2028]/);
    expect(json).toContain("é 🚀");
    expect(JSON.parse(toJsonText(value, 0))).toEqual(value);
  });
});

describe("readSpecFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "gen-read-spec-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = (path: string): GenError => {
    try {
      readSpecFile(path);
    } catch (e) {
      if (e instanceof GenError) return e;
      throw e;
    }
    throw new Error(`${path} was read`);
  };

  it("reads a regular file as UTF-8", () => {
    const path = join(dir, "ok.yaml");
    writeFileSync(path, "a: é 中 🚀\n");
    expect(readSpecFile(path)).toBe("a: é 中 🚀\n");
  });

  it("refuses a FIFO without waiting for a writer", () => {
    const path = join(dir, "fifo.yaml");
    execFileSync("mkfifo", [path]);
    const e = refusal(path);
    expect([e.code, e.exitCode, e.message]).toEqual([
      "spec-not-a-file",
      ExitCode.specProblems,
      `${path} is a named pipe (FIFO), not a spec file`,
    ]);
  });

  it("refuses /dev/zero and a directory", () => {
    expect(refusal("/dev/zero").message).toBe("/dev/zero is a device, not a spec file");
    const sub = join(dir, "specs.yaml");
    mkdirSync(sub);
    expect(refusal(sub).message).toBe(`${sub} is a directory, not a spec file`);
  });

  it("refuses a file over the size limit without reading it", () => {
    const path = join(dir, "huge.yaml");
    writeFileSync(path, "");
    truncateSync(path, 50 * 1024 * 1024); // sparse: nothing is written
    const e = refusal(path);
    expect([e.code, e.exitCode, e.message]).toEqual([
      "spec-too-large",
      ExitCode.specProblems,
      `${path}: the spec is larger than gen's limit of 4 MiB (50 MiB)`,
    ]);
  });

  it("tells a missing file (a usage error) from the others", () => {
    const e = refusal(join(dir, "missing.yaml"));
    expect([e.code, e.exitCode]).toEqual(["spec-not-found", ExitCode.usage]);
  });
});
