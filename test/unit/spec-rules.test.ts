/**
 * The bad-spec corpus: every test/fixtures/bad-specs/<name>.yaml has a sibling
 * <name>.expected.txt with the exact diagnostics, one formatDiagnostic line each.
 * A fixture is named after the code it demonstrates (`<code>.yaml` or `<code>--<variant>.yaml`);
 * `hostile-<code>--<variant>.yaml` are specs written to attack gen (alias bombs, control characters, names that
 * collide with gen's or dbt's, URLs that parsers read differently, ...); `many-*` fixtures mix several problems.
 * Adding a fixture adds a case.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, type Diagnostic } from "../../generator/errors.ts";
import { parseSpec } from "../../generator/spec/index.ts";
import { loadYaml } from "../../generator/spec/load.ts";
import {
  baseUrl,
  columnCollision,
  forEachStateless,
  duplicateName,
  invalidIdentifier,
  invalidCondition,
  invalidJsonPath,
  literalSecret,
  nameCollision,
  nothingToDo,
  pollStatusLists,
  RULES,
  snowflakeTarget,
  syncWorkflows,
  alertsSettings,
  tableCollision,
  unknownConnection,
  unknownReference,
  type Rule,
} from "../../generator/spec/rules.ts";

const dir = new URL("../fixtures/bad-specs/", import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const read = (name: string) => readFileSync(new URL(name, dir), "utf8");
/** The code a fixture demonstrates: `hostile-base-url--credentials` -> `base-url`. */
const codeOf = (name: string) => name.replace(/^hostile-/, "").split("--")[0];

/** The codes each rule may produce. */
const RULE_CODES = new Map<Rule, string[]>([
  [nothingToDo, ["nothing-to-do"]],
  [duplicateName, ["duplicate-name"]],
  [invalidIdentifier, ["invalid-identifier"]],
  [unknownConnection, ["unknown-connection"]],
  [unknownReference, ["unknown-reference", "invalid-reference", "misplaced-reference"]],
  [invalidCondition, ["invalid-condition"]],
  [invalidJsonPath, ["invalid-jsonpath"]],
  [pollStatusLists, ["poll-status-lists"]],
  [columnCollision, ["column-collision"]],
  [tableCollision, ["table-collision"]],
  [nameCollision, ["name-collision"]],
  [baseUrl, ["base-url"]],
  [literalSecret, ["literal-secret"]],
  [snowflakeTarget, ["snowflake-target"]],
  [
    syncWorkflows,
    ["unknown-workflow", "sync-stateless-workflow", "sync-without-block", "sync-contradiction"],
  ],
  [forEachStateless, ["for-each-stateless"]],
  [alertsSettings, ["alerts-settings"]],
]);

/** Codes of the loader and the schema. */
const OTHER_CODES = [
  "yaml-syntax",
  "yaml-unquoted-reference",
  "yaml-unquoted-jsonpath",
  "duplicate-key",
  "empty-spec",
  "not-a-mapping",
  "multiple-documents",
  "unknown-key",
  "missing-key",
  "invalid-type",
  "invalid-value",
  "out-of-range",
  "unsupported-version",
  "yaml-alias-expansion",
  "yaml-alias-cycle",
  "yaml-too-deep",
  "control-character",
  "unsafe-integer",
  "reserved-key",
];

const ALL_CODES = [...[...RULE_CODES.values()].flat(), ...OTHER_CODES];

describe("bad-spec corpus", () => {
  it("has at least one fixture per code", () => {
    const named = new Set(fixtures.map((f) => codeOf(f.replace(/\.yaml$/, ""))));
    for (const code of ALL_CODES) expect(named, `fixture for ${code}`).toContain(code);
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
  });

  it.each(fixtures)("%s", (file) => {
    const name = file.replace(/\.yaml$/, "");
    const expected = read(`${name}.expected.txt`).trimEnd();
    const { spec, diagnostics } = parseSpec(read(file), `bad-specs/${file}`);
    expect(diagnostics.map((d) => formatDiagnostic(d)).join("\n")).toBe(expected);
    const codes = new Set(diagnostics.map((d) => d.code));
    for (const code of codes) expect(ALL_CODES).toContain(code);
    if (!name.startsWith("many-")) expect(codes).toContain(codeOf(name));
    // the spec comes back exactly when nothing is an error
    expect(spec === undefined).toBe(diagnostics.some((d) => d.severity === "error"));
    for (const d of diagnostics) {
      expect(d.location?.file).toBe(`bad-specs/${file}`);
      expect(d.location!.line).toBeGreaterThan(0);
      expect(d.location!.col).toBeGreaterThan(0);
    }
  });

  it("collects every problem of a spec with several at once", () => {
    const { diagnostics } = parseSpec(read("many-problems.yaml"), "many-problems.yaml");
    const codes = new Set(diagnostics.map((d) => d.code));
    expect(codes.size).toBeGreaterThanOrEqual(8);
    expect(diagnostics.filter((d) => d.severity === "warning").length).toBeGreaterThanOrEqual(2);
  });
});

describe("rules", () => {
  it("are all run, each a named function that reports only its own codes", () => {
    expect(new Set(RULES)).toEqual(new Set(RULE_CODES.keys()));
    for (const file of fixtures) {
      const loaded = loadYaml(read(file), file);
      const data = loaded.data;
      if (data === null || typeof data !== "object" || Array.isArray(data)) continue;
      for (const [rule, codes] of RULE_CODES) {
        const out: Diagnostic[] = rule({ data: data as Record<string, unknown>, source: loaded.source });
        for (const d of out) expect(codes, `${rule.name} in ${file}`).toContain(d.code);
      }
    }
  });

  it("survive malformed data of any shape", () => {
    const shapes: unknown[] = [
      { workflows: "x", connections: [], project: 3, auto_restart: { tasks: "y" } },
      {
        workflows: [
          null,
          1,
          { steps: [null, { request: 5, outputs: [1], poll: "p", flags: { on_start: "x" } }] },
        ],
      },
      {
        workflows: [
          { name: 5, state: [], steps: [{ name: [], request: { body: { a: [{ b: 1 }] }, query: 3 } }] },
        ],
      },
      {
        connections: { a: null, b: { base_url: 5, headers: [], auth: "x" } },
        project: { targets: "snowflake" },
      },
    ];
    const source = loadYaml("a: 1\n", "f.yaml").source;
    for (const data of shapes) {
      for (const rule of RULES)
        expect(() => rule({ data: data as Record<string, unknown>, source })).not.toThrow();
      expect(() => parseSpec(JSON.stringify(data), "f.yaml")).not.toThrow();
    }
  });
});
