/**
 * Property: hostile text in every free-text field of a spec that enables every generated file yields a
 * project whose every file is read by its real consumer as intended: the setup SQL has exactly the expected
 * statements per file for sqlglot's Snowflake tokenizer and for gen deploy's splitter (each statement also
 * parses alone), every YAML file loads in PyYAML, every file dbt renders parses in dbt's Jinja environment,
 * every Python file (and the procedure's Python body) parses with ast, the README keeps its structure, and
 * dbt parse accepts the project.
 */
import { execa } from "execa";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeOutput } from "../../generator/write/index.ts";
import { VENV_DIR } from "../../generator/dbt/index.ts";
import { PYTHON, requireVenv } from "../integration/harness.ts";
import {
  buildHostile,
  CHECKER,
  FREE_TEXT_FIELDS,
  SETUP_STATEMENTS,
  splitCount,
  type CheckResult,
  type FreeText,
} from "./hostile-spec.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/** What breaks naive SQL, Jinja, YAML, Python, Markdown and mermaid generation. NUL and other control
 * characters are refused when the spec is loaded, so only \n and \t are here. */
const FRAGMENTS = [
  "'",
  "''",
  '"',
  "\\",
  "\\'",
  "$$",
  "--",
  "/*",
  "*/",
  "//",
  ";",
  "\n",
  "\t",
  "{{",
  "}}",
  "{%",
  "%}",
  "{#",
  "#}",
  "{%- raw %}",
  "${",
  "<<",
  ">>",
  "<%",
  "%>",
  ": ",
  "- ",
  "#",
  "&a",
  "*a",
  "!tag",
  "? ",
  "|",
  ">",
  "@",
  "`",
  "```",
  "%",
  "null",
  "~",
  "ü",
  "🚀",
  "中",
  "\u2028",
  "\u202e",
  '"""',
  "DROP DATABASE PROD;",
];
/** the characters the loader refuses */
// eslint-disable-next-line no-control-regex -- control characters are what this filter is about
const REFUSED_AT_LOAD = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\ufffe\uffff\ud800-\udfff]/;
const loadable = (s: string) => !REFUSED_AT_LOAD.test(s);
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: "grapheme", maxLength: 4 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(""))
  .filter(loadable);

/** One hostile value per field; statuses get a prefix each so that the poll lists stay distinct. */
const freeText: fc.Arbitrary<FreeText> = fc.tuple(...FREE_TEXT_FIELDS.map(() => hostile)).map((values) => {
  const v = Object.fromEntries(FREE_TEXT_FIELDS.map((k, i) => [k, values[i] as string])) as FreeText;
  v.success = `ok ${v.success}`;
  v.pending = `wait ${v.pending}`;
  v.failure = `bad ${v.failure}`;
  v.sets_status = `set ${v.sets_status}`;
  return v;
});

/** Markdown structure: code fences closed, every table row with its header's number of cells. */
function readmeProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split("\n");
  if (lines.filter((l) => l.startsWith("```")).length % 2) problems.push("unbalanced code fence");
  const cells = (l: string) => l.replace(/\\./g, "").split("|").length;
  let header: number | undefined;
  for (const l of lines) {
    if (!l.startsWith("|")) header = undefined;
    else if (header === undefined) header = cells(l);
    else if (cells(l) !== header) problems.push(`table row with ${cells(l)} cells: ${l.slice(0, 80)}`);
  }
  return problems;
}

describe("property: hostile text in every free-text field", () => {
  it(
    "every generated file parses with its real consumer, with exactly the expected setup statements",
    { timeout: 120_000 },
    async () => {
      requireVenv();
      const cases = fc.sample(freeText, { numRuns: 40, seed: 9 });
      // the baseline: plain text in every field; every other case must give its Jinja the same shape
      const baseline = cases.length;
      cases.push(Object.fromEntries(FREE_TEXT_FIELDS.map((k) => [k, `${k} plain`])) as FreeText);
      // a fixed value of every fragment at once, in every field
      cases.push(
        Object.fromEntries(FREE_TEXT_FIELDS.map((k) => [k, `${k} ${FRAGMENTS.join(" ")}`])) as FreeText,
      );
      const files: { id: string; path: string; content: string }[] = [];
      for (const [i, v] of cases.entries()) {
        const built = buildHostile(v);
        for (const f of built.files) {
          files.push({ id: String(i), path: f.path, content: f.content });
          // gen deploy's splitter reads the statements the file was written with
          if (f.path in SETUP_STATEMENTS)
            expect(splitCount(f), `case ${i}: ${f.path}\n${JSON.stringify(v)}`).toBe(
              SETUP_STATEMENTS[f.path],
            );
          if (f.path.endsWith("README.md"))
            expect(readmeProblems(f.content), `case ${i}: ${f.path}`).toEqual([]);
        }
        expect(built.files.filter((f) => f.path in SETUP_STATEMENTS)).toHaveLength(
          Object.keys(SETUP_STATEMENTS).length,
        );
      }
      const input = join(tempDir("gen-hostile-"), "files.json");
      writeFileSync(input, JSON.stringify(files));
      const r = await execa(PYTHON, [CHECKER, input], { reject: false, all: true, maxBuffer: 1e9 });
      expect(r.exitCode, r.all).toBe(0);
      const results = JSON.parse(r.stdout) as CheckResult[];
      expect(results).toHaveLength(files.length);
      const checked = new Set<string>();
      // hostile text must stay data: dbt would execute exactly what it executes for plain text
      const baseShape = new Map(
        results.filter((res) => res.id === String(baseline)).map((res) => [res.path, res.jinja_shape]),
      );
      expect(baseShape.size).toBeGreaterThan(10);
      for (const res of results) {
        if (res.jinja_shape)
          expect(res.jinja_shape, `case ${res.id}: ${res.path}: Jinja shape`).toEqual(
            baseShape.get(res.path),
          );
        const at = `case ${res.id}: ${res.path}\n${JSON.stringify(cases[Number(res.id)])}`;
        expect(res.errors, at).toEqual([]);
        for (const c of res.checks) checked.add(c);
        if (res.path in SETUP_STATEMENTS) expect(res.statements, at).toBe(SETUP_STATEMENTS[res.path]);
      }
      // every parser ran
      expect([...checked].sort()).toEqual(["jinja", "python", "python-body", "sqlglot", "yaml"]);
    },
  );

  it("dbt parses the project of hostile specs", { timeout: 240_000 }, async () => {
    requireVenv();
    for (const [i, v] of fc.sample(freeText, { numRuns: 2, seed: 90 }).entries()) {
      const dir = join(tempDir("gen-hostile-dbt-"), "project");
      writeOutput(dir, buildHostile(v).files);
      const r = await execa(
        join(VENV_DIR, "bin", "dbt"),
        ["parse", "--profiles-dir", ".", "--target", "duckdb", "--no-partial-parse"],
        { cwd: dir, reject: false, all: true, env: { DBT_SEND_ANONYMOUS_USAGE_STATS: "false" } },
      );
      expect(r.exitCode, `case ${i}: ${JSON.stringify(v)}\n${r.all}`).toBe(0);
    }
  });
});
