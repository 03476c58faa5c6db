import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useProjects, TEST_SECRET, type Project } from "./harness.ts";

// Every spec value below would break naive SQL, Jinja, YAML or Python generation.
const NASTY = `it's "quoted" \\ back{{ var('x') }}{% if true %}{# c #}$$ -- ; drop table x; ünï ✓ 🚀`;
const READY = `ready {{ 'now' }} it's $$ -- ; ✓`;
const FINAL = `done {% raw %} "x" -- ;`;

const SPEC = `
version: 1
project:
  name: hostile_values
  description: ${JSON.stringify(NASTY)}
  targets: [duckdb]
connections:
  api:
    base_url: \${env.API_URL:-http://127.0.0.1:8787}
    headers: { X-Note: ${JSON.stringify('{{ x }} it\'s $$ -- ; {% if %} "q" \\\\')} }
    auth: { type: bearer, token: "\${secret.API_TOKEN}" }
    retry: { max_attempts: 2, backoff_s: 0.1 }
workflows:
  - name: hostile_flow
    description: ${JSON.stringify(NASTY + "\nsecond line")}
    input:
      ${JSON.stringify(NASTY)}: ${JSON.stringify(NASTY)}
      multi_line: "line 1\\nline 2\\r\\n\\ttabbed"
      emoji: "🚀🔥 ünïcødé 中文"
      numbers: [1, 2.5, -3, 1e3]
      flags: { yes: true, no: false, nothing: null }
      nested: { "{{": "}}", "{%": "%}", "$$": "$$" }
    steps:
      - name: create_policy
        description: ${JSON.stringify(NASTY)}
        request:
          connection: api
          method: POST
          path: /createpolicy
          headers: { X-Step-Note: ${JSON.stringify("'; select 1; -- {{ }}")} }
          body: "\${input}"
        outputs: { policy_id: $.policy_id }
        sets_status: ${JSON.stringify("created 'ok' {{ }}")}
      - name: poll_policy_status
        request: { connection: api, path: "/policy/\${steps.create_policy.policy_id}" }
        poll:
          status: $.status
          success: [${JSON.stringify(READY)}]
          pending: [pending]
          failure: [${JSON.stringify("failed $$ {{")}]
          max_attempts: 3
          interval_s: 0.2
      - name: trigger_circuit_breaker
        request:
          connection: api
          method: POST
          path: /circuit
          body:
            policy_id: "\${steps.create_policy.policy_id}"
            note: ${JSON.stringify(NASTY)}
            literal: "$\${not a reference}"
        sets_status: ${JSON.stringify(FINAL)}
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe("hostile spec values and secrets", { timeout: 240_000 }, () => {
  const build = useProjects();
  let project: Project | undefined;

  it("round-trip exactly into the API requests, and dbt build (run + tests) passes", async () => {
    project = await build({ text: SPEC, name: "hostile.yaml" }, { pendingPolls: 1, readyStatus: READY });
    const run = await project.dbt(["build"]);
    expect(run.exitCode, run.output).toBe(0);

    const input = {
      [NASTY]: NASTY,
      multi_line: "line 1\nline 2\r\n\ttabbed",
      emoji: "🚀🔥 ünïcødé 中文",
      numbers: [1, 2.5, -3, 1000],
      flags: { yes: true, no: false, nothing: null },
      nested: { "{{": "}}", "{%": "%}", $$: "$$" },
    };
    const creates = project.api.requests().filter((r) => r.endpoint === "create_policy");
    expect(creates).toHaveLength(2); // stateful and stateless
    for (const c of creates) {
      expect(c.body).toEqual(input);
      expect(c.headers["x-note"]).toBe(`{{ x }} it's $$ -- ; {% if %} "q" \\\\`);
      expect(c.headers["x-step-note"]).toBe("'; select 1; -- {{ }}");
      expect(c.headers["authorization"]).toBe(`Bearer ${TEST_SECRET}`);
    }
    for (const c of project.api.requests().filter((r) => r.endpoint === "circuit"))
      expect(c.body).toEqual({ policy_id: expect.any(String), note: NASTY, literal: "${not a reference}" });

    const [row] = await project.query("select status, completed, input_data from hostile_flow_state");
    expect(row).toMatchObject({ status: FINAL, completed: true });
    expect(JSON.parse(String(row!.input_data))).toEqual(input);
    const [result] = await project.query("select workflow_status from stateless_hostile_flow");
    expect(result!.workflow_status).toBe(FINAL);

    // the secret never lands in a generated file, a dbt log or artefact, a table, or the output
    expect(run.output).not.toContain(TEST_SECRET);
    const files = filesUnder(project.dir).filter((f) => !f.endsWith(".duckdb") && !f.endsWith(".wal"));
    expect(files.some((f) => f.includes(join("logs", "dbt.log")))).toBe(true);
    for (const f of files) expect(readFileSync(f).includes(TEST_SECRET), f).toBe(false);
    const tables = await project.tables();
    expect(tables).toEqual(expect.arrayContaining(["hostile_flow_state", "hostile_flow_attempts"]));
    for (const t of tables) {
      const dump = JSON.stringify(await project.query(`select * from ${t}`));
      expect(dump.includes(TEST_SECRET), t).toBe(false);
    }
  });

  it("a secret is redacted from error messages and tables when the API echoes it", async () => {
    // requireToken makes the mock answer 401 with a message; the response body must not carry the secret
    project = await build({ text: SPEC, name: "hostile.yaml" }, { requireToken: "another-token" });
    const run = await project.dbt(["run", "--select", "stateful_hostile_flow"]);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/HTTP 401/);
    expect(run.output).not.toContain(TEST_SECRET);
    for (const t of await project.tables())
      expect(JSON.stringify(await project.query(`select * from ${t}`)).includes(TEST_SECRET)).toBe(false);
    for (const f of filesUnder(project.dir).filter((f) => !f.endsWith(".duckdb")))
      expect(readFileSync(f).includes(TEST_SECRET), f).toBe(false);
  });
});
