import fc from "fast-check";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { compileSpec } from "../../generator/pipeline.ts";
import { buildProject } from "./harness.ts";

// Property-based: specs generated with hostile strings build, dbt parses the output, and the values
// reach the API exactly. The cheap property runs many times; the one that runs dbt runs a few times.

const FRAGMENTS = [
  "'",
  '"',
  "\\",
  "{{",
  "}}",
  "{%",
  "%}",
  "{#",
  "#}",
  "$$",
  "--",
  ";",
  "\n",
  "\t",
  "ü",
  "🚀",
  "中",
  "`",
  "<<",
  ">>",
  "<%",
  "%>",
  "${",
  "}",
  "%",
  "#",
  " ",
];
// YAML cannot carry C0/C1 controls other than tab/newline, nor a BOM; nothing else is filtered.
// eslint-disable-next-line no-control-regex -- control characters are what this filter is about
const printable = (s: string) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\ud800-\udfff]/.test(s);
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: "grapheme", maxLength: 6 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(""))
  .filter(printable);
// header values: ISO-8859-1 and no CR/LF (HTTP's own rules), and `${` escaped since headers are templates
const headerValue = hostile
  .map((s) =>
    s
      .replace(/[\r\n]/g, " ")
      .replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, "?")
      .trim(),
  )
  .filter((s) => s.length > 0);
const escapeRefs = (s: string) => s.replace(/\$\{/g, () => "$${"); // a function: "$$" means "$" in a replacement string

const scenario = fc.record({
  description: hostile,
  key: hostile,
  value: hostile,
  list: fc.array(hostile, { maxLength: 3 }),
  header: headerValue,
  ready: hostile.filter((s) => s.trim() !== "" && s !== "pending"),
});

type HostileScenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function specText(s: HostileScenario): string {
  const q = (v: string) => JSON.stringify(v);
  return `version: 1
project:
  name: prop_project
  description: ${q(s.description)}
  targets: [duckdb, snowflake]
  snowflake: { warehouse: WH, database: DB, schema: S, role: RUNNER }
connections:
  api:
    base_url: \${env.API_URL:-http://127.0.0.1:8787}
    headers: { X-Hostile: ${q(escapeRefs(s.header))} }
workflows:
  - name: prop_flow
    description: ${q(s.description)}
    modes: [stateless, stateful]
    input: { ${q(s.key)}: ${q(escapeRefs(s.value))}, list: ${JSON.stringify(s.list.map(escapeRefs))} }
    steps:
      - name: create_policy
        description: ${q(s.description)}
        request: { connection: api, method: POST, path: /createpolicy, body: "\${input}" }
        outputs: { policy_id: $.policy_id }
      - name: poll_policy_status
        request: { connection: api, path: "/policy/\${steps.create_policy.policy_id}" }
        poll: { status: $.status, success: [${q(s.ready)}], pending: [pending], max_attempts: 3, interval_s: 0.1 }
        sets_status: ${q(s.ready)}
`;
}

describe("property: hostile strings", () => {
  it("every generated spec validates, builds, and renders valid YAML", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = compileSpec(specText(s), "prop.yaml");
        expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        for (const f of r.files ?? [])
          if (/\.ya?ml$/.test(f.path)) expect(() => yaml.load(f.content), f.path).not.toThrow();
        const def = r.files?.find((f) => f.path.endsWith("prop_flow__definition.sql"))?.content ?? "";
        // spec values only ever appear escaped inside the definition literal
        expect(def).not.toMatch(/'[^'\n]*(\{\{|\{%|\{#)[^'\n]*'/);
      }),
      { numRuns: 150 },
    );
  });

  it("dbt parses the output and the values reach the API exactly", { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const project = await buildProject(
          { text: specText(s), name: "prop.yaml" },
          { readyStatus: s.ready },
        );
        try {
          const parse = await project.dbt(["parse"]);
          expect(parse.exitCode, parse.output).toBe(0);
          const run = await project.dbt(["run", "--select", "stateless_prop_flow"]);
          expect(run.exitCode, run.output).toBe(0);
          const [create] = project.api.requests().filter((r) => r.endpoint === "create_policy");
          expect(create!.body).toEqual({ [s.key]: s.value, list: s.list });
          expect(create!.headers["x-hostile"]).toBe(s.header);
          const [row] = await project.query("select workflow_status from stateless_prop_flow");
          expect(row!.workflow_status).toBe(s.ready);
        } finally {
          await project.close();
        }
      }),
      { numRuns: 4 },
    );
  });
});
