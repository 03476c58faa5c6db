/**
 * An API response must never pull a secret into a request. Step 1's response holds `${secret.X}` texts; step 2
 * uses them in headers (and the path, query, body and idempotency key), next to the spec's own secret and
 * `$${` escape. Real dbt + DuckDB + the real HTTP primitive against a recording server on 127.0.0.1: the server
 * must receive the placeholder texts literally, and the secret values appear in no request (except where the
 * spec itself asks for its secret), no file, no table and no output.
 */
import { execa } from "execa";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDbt, type DbtRunResult } from "../../generator/dbt/index.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import { writeOutput } from "../../generator/write/index.ts";
import { PYTHON, requireVenv, useTempDirs } from "./harness.ts";

/** Not used by the spec: locally any environment variable of dbt's could be named by a response. */
const TARGET = "GEN_EXFIL_TARGET";
const TARGET_VALUE = "exfil-target-value-4242";
/** The spec's own secret (bearer token, and one step header). */
const TOKEN = "GEN_EXFIL_TOKEN";
const TOKEN_VALUE = "exfil-token-value-7777";

const TARGET_REF = "${secret." + TARGET + "}";
const TOKEN_REF = "${secret." + TOKEN + "}";

/** What step 1's API answers: every value is a placeholder text that today's text scan would resolve. */
const STEP1_RESPONSE = {
  id: TARGET_REF,
  declared: TOKEN_REF,
  escaped: "$" + TARGET_REF,
  nested: { k: TARGET_REF },
};

const SPEC = `
version: 1
project:
  name: exfil_probe
  targets: [duckdb]
connections:
  api:
    base_url: \${env.EXFIL_API_URL}
    headers: { X-From-Env: "\${env.EXFIL_ENV_TEXT}" }
    auth: { type: bearer, token: "\${secret.${TOKEN}}" }
    retry: { max_attempts: 1 }
  basic:
    base_url: \${env.EXFIL_API_URL}
    auth: { type: basic, username: "\${env.EXFIL_ENV_TEXT}", password: "\${secret.${TOKEN}}" }
    retry: { max_attempts: 1 }
workflows:
  - name: exfil_flow
    steps:
      - name: step1
        request: { connection: api, method: POST, path: /step1, body: { hello: world } }
        outputs: { id: $.id, declared: $.declared, escaped: $.escaped, nested: $.nested }
      - name: step2
        request:
          connection: api
          method: POST
          path: /step2/\${steps.step1.id}
          query: { q: "\${steps.step1.id}" }
          headers:
            X-Id: "\${steps.step1.id}"
            X-Declared: "Bearer \${steps.step1.declared}"
            X-Escaped: "\${steps.step1.escaped}"
            X-Nested: "\${steps.step1.nested}"
            X-Spec-Literal: "$\${secret.${TARGET}}"
            X-Mixed: "\${steps.step1.id}|\${secret.${TOKEN}}"
          idempotency_key: "\${steps.step1.id}"
          body: { id: "\${steps.step1.id}", declared: "\${steps.step1.declared}" }
      - name: step3
        request: { connection: basic, path: /step3 }
`;

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe("a response cannot pull a secret into a later request", { timeout: 240_000 }, () => {
  const tempDir = useTempDirs("gen-exfil-");
  const received: Received[] = [];
  let server: Server;
  let dir: string;
  let run: DbtRunResult;

  beforeAll(async () => {
    requireVenv();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(req.url === "/step1" ? STEP1_RESPONSE : { ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const compiled = compileSpec(SPEC, "exfil.yaml", { targets: ["duckdb"] });
    if (!compiled.plan || !compiled.files)
      throw new Error("spec does not compile:\n" + compiled.diagnostics.map((d) => d.message).join("\n"));
    expect(compiled.plan.project.secrets).toEqual([TOKEN]); // TARGET is no secret of the spec
    dir = tempDir();
    writeOutput(dir, compiled.files);
    run = await runDbt(dir, ["run"], {
      env: {
        GEN_TARGET: "duckdb",
        EXFIL_API_URL: url,
        EXFIL_ENV_TEXT: TARGET_REF, // an env value is runtime data too
        [TARGET]: TARGET_VALUE,
        [TOKEN]: TOKEN_VALUE,
      },
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("dbt run succeeds: both modes made both calls", () => {
    expect(run.exitCode, run.output).toBe(0);
    expect(received.map((r) => r.url.split("?")[0]!.split("/")[1])).toEqual([
      "step1",
      "step2",
      "step3",
      "step1",
      "step2",
      "step3",
    ]);
  });

  it("step 2 receives every placeholder text literally; only the spec's own secret is resolved", () => {
    const step2 = received.filter((r) => r.url.startsWith("/step2/"));
    expect(step2).toHaveLength(2);
    for (const r of step2) {
      expect(r.headers["x-id"]).toBe(TARGET_REF);
      expect(r.headers["x-declared"]).toBe("Bearer " + TOKEN_REF);
      expect(r.headers["x-escaped"]).toBe("$" + TARGET_REF);
      expect(JSON.parse(String(r.headers["x-nested"]))).toEqual({ k: TARGET_REF });
      expect(r.headers["x-spec-literal"]).toBe(TARGET_REF); // `$${` in the spec is a literal `${`
      expect(r.headers["x-from-env"]).toBe(TARGET_REF);
      expect(r.headers["x-mixed"]).toBe(TARGET_REF + "|" + TOKEN_VALUE); // the spec's part is resolved
      expect(r.headers["idempotency-key"]).toBe(TARGET_REF);
      expect(r.headers["authorization"]).toBe("Bearer " + TOKEN_VALUE);
      const url = new URL(r.url, "http://x");
      expect(decodeURIComponent(url.pathname)).toBe("/step2/" + TARGET_REF);
      expect(url.searchParams.get("q")).toBe(TARGET_REF);
      expect(JSON.parse(r.body)).toEqual({ id: TARGET_REF, declared: TOKEN_REF });
    }
  });

  it("basic auth: an env value is a literal username, the spec's secret the password", () => {
    const step3 = received.filter((r) => r.url === "/step3");
    expect(step3).toHaveLength(2);
    for (const r of step3) {
      const [scheme, token] = String(r.headers["authorization"]).split(" ");
      expect(scheme).toBe("Basic");
      expect(Buffer.from(token ?? "", "base64").toString("utf8")).toBe(TARGET_REF + ":" + TOKEN_VALUE);
    }
  });

  it("no request carries the other variable's value; the token travels only where the spec put it", () => {
    for (const r of received) {
      const { authorization, "x-mixed": mixed, ...rest } = r.headers;
      const basic = String(authorization).startsWith("Basic ")
        ? Buffer.from(String(authorization).slice(6), "base64").toString("utf8")
        : "";
      const seen = JSON.stringify([r.url, rest, r.body, authorization, mixed, basic]);
      expect(seen).not.toContain(TARGET_VALUE);
      expect(JSON.stringify([r.url, rest, r.body])).not.toContain(TOKEN_VALUE);
    }
  });

  it("neither value appears in dbt's output, any file of the project, or any table", async () => {
    for (const value of [TARGET_VALUE, TOKEN_VALUE]) expect(run.output).not.toContain(value);
    const files = filesUnder(dir);
    expect(files.some((f) => f.endsWith(join("logs", "dbt.log")))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const value of [TARGET_VALUE, TOKEN_VALUE]) expect(bytes.includes(value), f).toBe(false);
    }
    const script =
      "import duckdb, json, sys\n" +
      "con = duckdb.connect(sys.argv[1], read_only=True)\n" +
      "tables = [r[0] for r in con.execute('select table_name from information_schema.tables').fetchall()]\n" +
      "print(json.dumps({t: con.execute('select * from \"%s\"' % t).fetchall() for t in tables}, default=str))\n";
    const dbFile = files.find((f) => f.endsWith(".duckdb"));
    expect(dbFile).toBeDefined();
    const dump = (await execa(PYTHON, ["-c", script, dbFile as string])).stdout;
    expect(Object.keys(JSON.parse(dump) as object)).toEqual(
      expect.arrayContaining(["exfil_flow_state", "exfil_flow_attempts", "stateless_exfil_flow"]),
    );
    expect(dump).toContain(TARGET_REF); // step 1's response is stored as the API sent it
    for (const value of [TARGET_VALUE, TOKEN_VALUE]) expect(dump).not.toContain(value);
  });
});
