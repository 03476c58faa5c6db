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
  FANOUT_SPEC,
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

/** What a handler returns (the procedure's VARIANT): one result of gen_http_core.http_request. */
interface HandlerResult {
  ok: boolean;
  status_code: number | null;
  body: unknown;
  text: string | null;
  error: { kind: string; message: string } | null;
  attempts: { attempt: number; status_code: number | null; outcome: string }[];
}

describe("snowflake procedure: Python bodies compile and embed gen_http_core verbatim", () => {
  const projects: [string, BuiltProject][] = [
    ...SPECS.map((file) => [file, build({ file })] as [string, BuiltProject]),
    ["full options", build({ text: FULL_OPTIONS_SPEC, name: "full.yaml" })],
    ["for_each", build({ text: FANOUT_SPEC, name: "fanout.yaml" })],
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

describe("snowflake batch procedure (for_each): the handler against the mock API", () => {
  const BATCH_SECRET = "sf-batch-s3cret-never-returned";
  let api: MockApi;
  let procedureSql: string;

  beforeAll(async () => {
    requireVenv();
    api = await startMockApi({ port: 0 });
    const project = build({ text: FANOUT_SPEC, name: "fanout.yaml" });
    procedureSql = join(project.dir, "snowflake", "04_gen_http_request_procedure.sql");
  });
  afterAll(async () => {
    await api?.close();
  });

  interface BatchRequest {
    method: string;
    url: string;
    headers?: Record<string, ({ text: string } | { secret: string })[]>;
    body?: unknown;
    options?: Record<string, unknown>;
  }

  /** One CALL of the batch procedure, as snowflake__gen_http_batch_sql makes it: the requests as one JSON text. */
  async function callBatch(
    requests: unknown[],
    concurrency: number,
    secrets: Record<string, string> = { FANOUT_API_KEY: BATCH_SECRET },
  ): Promise<{ results: HandlerResult[]; raw: string }> {
    const config = {
      procedure_sql: procedureSql,
      secrets,
      batch: { requests: JSON.stringify(requests), concurrency },
    };
    const r = await execa(PYTHON, [join(HERE, "handler_check.py"), JSON.stringify(config)], {
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    return { results: JSON.parse(r.stdout) as HandlerResult[], raw: r.stdout };
  }

  const options = {
    timeout_s: 5,
    retry: { max_attempts: 1, backoff_s: 0, max_backoff_s: 0, on: [] },
    secrets: ["FANOUT_API_KEY"],
  };
  const missing = (i: number): BatchRequest => ({
    method: "GET",
    url: `${api.url}/policy/missing-${i}`,
    options,
  });
  /** milliseconds between the first and the last arrival at the API */
  const arrivalSpan = () => {
    const at = api.requests().map((r) => Date.parse(r.at));
    return Math.max(...at) - Math.min(...at);
  };

  it("the generated file creates it with its own handler, next to the HTTP procedure", () => {
    const procedures = pythonProcedures(setupStatements(build({ text: FANOUT_SPEC, name: "f.yaml" }).files));
    expect(procedures.map((p) => /^CREATE OR REPLACE PROCEDURE (\S+)\(/.exec(p.statement.sql)?.[1])).toEqual([
      "EDW.FANOUT.SF_FANOUT_HTTP_REQUEST",
      "EDW.FANOUT.SF_FANOUT_HTTP_BATCH",
    ]);
    const batch = procedures[1]!.statement.sql;
    expect(batch).toMatch(
      /\(REQUESTS_JSON VARCHAR, CONCURRENCY NUMBER\)\n {2}COPY GRANTS\n {2}RETURNS VARIANT\n/,
    );
    expect(batch).toContain("HANDLER = 'gen_http_batch_handler'");
    expect(batch).toContain("SECRETS = ('FANOUT_API_KEY' = EDW.FANOUT.FANOUT_API_KEY)");
    expect(batch).toContain("EXECUTE AS OWNER");
    expect(procedures[1]!.body.startsWith(procedures[0]!.body.split("# --- Snowflake handler")[0]!)).toBe(
      true,
    );
  });

  it("up to `concurrency` requests are in flight at once, and the results keep the requests' order", async () => {
    api.reset();
    api.setScenario({ latencyMs: 400 });
    const { results } = await callBatch([0, 1, 2, 3, 4, 5, 6, 7].map(missing), 8);
    expect(results.map((r) => r.status_code)).toEqual(Array(8).fill(404));
    results.forEach((r, i) => expect(JSON.stringify(r.body)).toContain(`missing-${i}`));
    expect(arrivalSpan()).toBeLessThan(400); // all eight before the first answer

    api.reset(); // (the scenario too)
    api.setScenario({ latencyMs: 400 });
    const serial = await callBatch([0, 1, 2, 3, 4, 5].map(missing), 2);
    serial.results.forEach((r, i) => expect(JSON.stringify(r.body)).toContain(`missing-${i}`));
    expect(arrivalSpan()).toBeGreaterThanOrEqual(750); // three rounds of two
  });

  it("secrets come from the procedure's SECRETS only, and never come back", async () => {
    api.reset();
    api.setScenario({ requireToken: BATCH_SECRET });
    const auth = { Authorization: [{ text: "Bearer " }, { secret: "FANOUT_API_KEY" }] };
    const create = (i: number): BatchRequest => ({
      method: "POST",
      url: `${api.url}/createpolicy`,
      headers: auth,
      body: { policy_name: `p${i}`, note: "${secret.FANOUT_API_KEY}" },
      options,
    });
    const { results, raw } = await callBatch([create(1), create(2), create(3)], 3);
    expect(results.map((r) => r.status_code)).toEqual([200, 200, 200]);
    const seen = api.requests().filter((r) => r.endpoint === "create_policy");
    expect(seen.map((r) => r.headers["authorization"])).toEqual(Array(3).fill(`Bearer ${BATCH_SECRET}`));
    // a placeholder in a body is text: only a {secret} part of a header is resolved
    expect(seen.map((r) => (r.body as { note: string }).note)).toEqual(
      Array(3).fill("${secret.FANOUT_API_KEY}"),
    );
    expect(raw).not.toContain(BATCH_SECRET);

    // not bound in SECRETS: missing for every request that asks, nothing sent
    api.reset();
    const unbound = await callBatch([create(4), create(5)], 2, { OTHER: BATCH_SECRET });
    expect(unbound.results.map((r) => r.error?.kind)).toEqual(["secret_missing", "secret_missing"]);
    expect(api.requests()).toHaveLength(0);
  });

  it("a bad request, a refused one and a malformed entry get their own results; the others go out", async () => {
    api.reset();
    api.setScenario({ rejectBodyContaining: '"policy-bad"' });
    const post = (name: string): BatchRequest => ({
      method: "POST",
      url: `${api.url}/createpolicy`,
      body: { policy_name: name },
      options,
    });
    const { results } = await callBatch(
      [post("policy-1"), { ...post("x"), method: "GE T" }, 42, post("policy-bad"), post("policy-2")],
      4,
    );
    expect(results.map((r) => [r.ok, r.error?.kind ?? null, r.status_code])).toEqual([
      [true, null, 200],
      [false, "bad_request", null],
      [false, "bad_request", null],
      [false, "http", 422],
      [true, null, 200],
    ]);
    const names = api.requests().map((r) => (r.body as { policy_name: string }).policy_name);
    expect(names.sort()).toEqual(["policy-1", "policy-2", "policy-bad"]);
  });
});
