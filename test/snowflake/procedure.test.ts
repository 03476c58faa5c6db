/**
 * The Snowflake HTTP procedure: its Python body compiles (py_compile), embeds plugins/gen_http_core.py
 * verbatim, and its handler, imported as a module in the venv (with a stand-in for Snowflake's `_snowflake`
 * secret API), really talks to the bundled mock API.
 */
import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockApi, type MockApi } from "../../generator/mockapi/index.ts";
import { headerComment, headerText } from "../../generator/render/header.ts";
import { PYTHON, requireVenv } from "../integration/harness.ts";
import {
  build,
  FULL_OPTIONS_SPEC,
  HERE,
  pythonProcedures,
  removeTempDirs,
  setupStatements,
  SPECS,
  tempDir,
  type BuiltProject,
} from "./helpers.ts";

afterAll(removeTempDirs);

const SECRET = "sf-s3cret-value-never-returned";

describe("snowflake procedure: Python bodies compile and embed gen_http_core verbatim", () => {
  const projects: [string, BuiltProject][] = [
    ...SPECS.map((file) => [file, build({ file })] as [string, BuiltProject]),
    ["full options", build({ text: FULL_OPTIONS_SPEC, name: "full.yaml" })],
  ];

  for (const [name, project] of projects) {
    it(`${name}: every LANGUAGE PYTHON procedure body passes python -m py_compile`, async () => {
      requireVenv();
      const procedures = pythonProcedures(setupStatements(project.files));
      expect(procedures.length).toBeGreaterThanOrEqual(1);
      const dir = tempDir("gen-sf-pyc-");
      for (const [i, p] of procedures.entries()) {
        const file = join(dir, `procedure_${i}.py`);
        writeFileSync(file, p.body);
        const r = await execa(PYTHON, ["-m", "py_compile", file], { reject: false, all: true });
        expect(r.exitCode, `${p.statement.file}:${p.statement.line}\n${r.all}`).toBe(0);
      }
    });

    it(`${name}: the body is the generated plugins/gen_http_core.py (below its header) verbatim plus the handler`, () => {
      const file = project.files.find((f) => f.path === "plugins/gen_http_core.py")?.content ?? "";
      const header = headerComment("hash", headerText(project.plan.project)) + "\n";
      expect(file.startsWith(header)).toBe(true);
      const core = file.slice(header.length);
      const [proc] = pythonProcedures(setupStatements(project.files));
      expect(proc?.body.startsWith(core.trimEnd() + "\n")).toBe(true);
      expect(proc?.body).toContain("def gen_http_request_handler(session");
      expect(proc?.statement.sql).toMatch(/HANDLER = 'gen_http_request_handler'/);
      expect(proc?.statement.sql).toMatch(/RUNTIME_VERSION = '3\.11'/);
      expect(proc?.statement.sql).toMatch(/PACKAGES = \('snowflake-snowpark-python', 'certifi'\)/);
      expect(proc?.statement.sql).toMatch(/RETURNS VARIANT/);
      // the SECRETS clause binds exactly the spec's secrets, under the names the placeholders use
      const bound = [
        ...(proc?.statement.sql.match(/^\s*SECRETS = \((.*)\)$/m)?.[1] ?? "").matchAll(
          /'([A-Za-z0-9_]+)' = /g,
        ),
      ].map((m) => m[1]);
      expect(bound).toEqual(project.plan.project.secrets);
      expect(proc?.statement.sql).toContain(
        `EXTERNAL_ACCESS_INTEGRATIONS = (${project.plan.project.snowflake.objects.integration})`,
      );
    });
  }
});

describe("snowflake procedure: the handler against the mock API", () => {
  let api: MockApi;
  let procedureSql: string;

  beforeAll(async () => {
    requireVenv();
    api = await startMockApi({ port: 0, scenario: { requireToken: SECRET } });
    const project = build({ file: SPECS[0] as string });
    procedureSql = join(project.dir, "snowflake", "04_gen_http_request_procedure.sql");
  });
  afterAll(async () => {
    await api?.close();
  });

  interface HandlerResult {
    ok: boolean;
    status_code: number | null;
    body: unknown;
    text: string | null;
    error: { kind: string; message: string } | null;
    attempts: { attempt: number; status_code: number | null; outcome: string }[];
  }

  /** A header value as the dbt runtime sends it: literal text parts and the spec's secret parts. */
  type HeaderParts = ({ text: string } | { secret: string })[];

  /** One CALL of the procedure, as the dbt runtime makes it: headers/body/options as JSON texts. */
  async function call(
    method: string,
    path: string,
    headers: Record<string, HeaderParts>,
    body: unknown,
    secrets: Record<string, string> = { POLICY_API_KEY: SECRET },
    declared: string[] = ["POLICY_API_KEY"],
  ): Promise<{ result: HandlerResult; raw: string }> {
    const config = {
      procedure_sql: procedureSql,
      secrets,
      call: {
        method,
        url: api.url + path,
        headers: JSON.stringify(headers),
        body: body === undefined ? null : JSON.stringify(body),
        options: JSON.stringify({
          timeout_s: 5,
          retry: { max_attempts: 3, backoff_s: 0.05, max_backoff_s: 0.2, on: ["5xx"] },
          secrets: declared,
        }),
      },
    };
    const r = await execa(PYTHON, [join(HERE, "handler_check.py"), JSON.stringify(config)], {
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    return { result: JSON.parse(r.stdout) as HandlerResult, raw: r.stdout };
  }

  const auth = { Authorization: [{ text: "Bearer " }, { secret: "POLICY_API_KEY" }] };

  it("success: POST /createpolicy returns the parsed body as the VARIANT", async () => {
    api.reset();
    api.setScenario({ requireToken: SECRET });
    const { result } = await call("POST", "/createpolicy", auth, { policy_name: "p1" });
    expect(result.ok).toBe(true);
    expect(result.status_code).toBe(200);
    expect((result.body as { policy_id?: string }).policy_id).toMatch(/\S/);
    expect(result.attempts.map((a) => a.outcome)).toEqual(["success"]);
  });

  it("the secret header is sent: the API saw the resolved bearer token", async () => {
    api.reset();
    api.setScenario({ requireToken: SECRET });
    await call("POST", "/createpolicy", auth, { policy_name: "p2" });
    const seen = api.requests().filter((r) => r.endpoint === "create_policy");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["authorization"]).toBe(`Bearer ${SECRET}`);
  });

  it("retry on 5xx: two 503s, then success, in one CALL", async () => {
    api.reset();
    api.setScenario({ requireToken: SECRET, failFirst: 2, failStatus: 503 });
    const { result } = await call("POST", "/createpolicy", auth, { policy_name: "p3" });
    expect(result.ok).toBe(true);
    expect(result.attempts.map((a) => [a.status_code, a.outcome])).toEqual([
      [503, "retry"],
      [503, "retry"],
      [200, "success"],
    ]);
    expect(api.requests().filter((r) => r.endpoint === "create_policy")).toHaveLength(3);
  });

  it("the secret is not returned, even when the API echoes it back", async () => {
    api.reset();
    api.setScenario({ requireToken: SECRET });
    await call("POST", "/createpolicy", auth, { policy_name: "p4" });
    // the admin request log echoes every request's headers, the bearer token included
    const { result, raw } = await call("GET", "/__admin/requests", auth, undefined);
    expect(result.ok).toBe(true);
    expect(JSON.stringify(api.requests())).toContain(SECRET); // the API did echo it ...
    expect(raw).not.toContain(SECRET); // ... the procedure's result does not carry it
    expect(raw).toContain("Bearer ***");
  });

  it("a 401 error message does not carry the secret either", async () => {
    api.reset();
    api.setScenario({ requireToken: "another-token" });
    const { result, raw } = await call("POST", "/createpolicy", auth, { policy_name: "p5" });
    expect(result.ok).toBe(false);
    expect(result.status_code).toBe(401);
    expect(raw).not.toContain(SECRET);
  });

  it("a secret not bound in SECRETS is reported as missing and nothing is sent", async () => {
    api.reset();
    api.setScenario({});
    const { result } = await call(
      "POST",
      "/createpolicy",
      { "X-Key": [{ secret: "NOT_BOUND" }] },
      { policy_name: "p6" },
      { POLICY_API_KEY: SECRET },
      ["POLICY_API_KEY", "NOT_BOUND"],
    );
    expect(result.ok).toBe(false);
    expect(result.error?.kind).toBe("secret_missing");
    expect(api.requests()).toHaveLength(0);
  });

  it("placeholder text from a response is sent as text; a secret the spec does not use is refused", async () => {
    api.reset();
    api.setScenario({});
    const placeholder = "${secret.POLICY_API_KEY}";
    await call("POST", "/createpolicy", { "X-Id": [{ text: placeholder }] }, { policy_name: "p7" });
    const [seen] = api.requests().filter((r) => r.endpoint === "create_policy");
    expect(seen?.headers["x-id"]).toBe(placeholder);
    expect(JSON.stringify(api.requests())).not.toContain(SECRET);

    api.reset();
    const { result, raw } = await call(
      "POST",
      "/createpolicy",
      { "X-Other": [{ secret: "OTHER" }] },
      { policy_name: "p8" },
      { POLICY_API_KEY: SECRET, OTHER: "other-bound-value" },
    );
    expect(result.error?.kind).toBe("bad_request");
    expect(result.error?.message).toContain("secret OTHER is not one of the secrets the spec uses");
    expect(raw).not.toContain("other-bound-value");
    expect(api.requests()).toHaveLength(0);
  });
});
