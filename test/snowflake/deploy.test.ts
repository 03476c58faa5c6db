/**
 * `gen deploy` against fakesnow's server, over the real Snowflake REST protocol, with the real snowflake-sdk
 * (no mock of the driver). fakesnow_server.py documents the two test-only additions: a shim that turns
 * fakesnow's Arrow result sets into the JSON rowsets the Node driver reads, and a log of every statement
 * received. fakesnow cannot run roles, network rules, secrets, integrations, Python procedures, dbt project
 * objects or grants; those kinds are answered "success" unexecuted through fakesnow's own nop_regexes switch
 * (listed below). CREATE SCHEMA runs for real.
 */
import { execa } from "execa";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planDeploy } from "../../generator/deploy/index.ts";
import { requireVenv } from "../integration/harness.ts";
import {
  build,
  connectionEnv,
  FULL_OPTIONS_SPEC,
  ROOT,
  SPECS,
  removeTempDirs,
  startFakesnow,
  tempDir,
  type FakesnowServer,
  type LoggedStatement,
} from "./helpers.ts";

afterAll(removeTempDirs);

/** The statement kinds fakesnow cannot execute: answered "success" without running (fakesnow nop_regexes). */
const NOT_RUNNABLE_ON_FAKESNOW = [
  "^USE\\s+ROLE\\s",
  "^CREATE\\s+OR\\s+ALTER\\s+NETWORK\\s+RULE\\s",
  "^CREATE\\s+SECRET\\s",
  "^ALTER\\s+SECRET\\s",
  "^CREATE\\s+OR\\s+REPLACE\\s+EXTERNAL\\s+ACCESS\\s+INTEGRATION\\s",
  "^CREATE\\s+OR\\s+REPLACE\\s+PROCEDURE\\s",
  "^CREATE\\s+OR\\s+REPLACE\\s+TASK\\s",
  "^ALTER\\s+TASK\\s",
  "^(CREATE|ALTER)\\s+DBT\\s+PROJECT\\s",
  "^CREATE\\s+OR\\s+REPLACE\\s+ALERT\\s",
  "^ALTER\\s+ALERT\\s",
];
const GRANTS = "^GRANT\\s";

const SECRET = "deploy-s3cret-'quoted'\\value";
/** How SECRET is written inside the statement: a Snowflake string literal doubles quotes and backslashes. */
const SECRET_ESCAPED = "deploy-s3cret-''quoted''\\\\value";
const GEN = join(ROOT, "bin", "gen.js");

/** Runs `gen deploy` as a user would, with only the given environment (plus PATH/HOME). */
async function deploy(args: string[], env: Record<string, string>) {
  const home = tempDir("gen-sf-home-"); // no ~/.snowflake from the developer's machine
  const r = await execa("node", [GEN, "deploy", ...args], {
    cwd: ROOT,
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "", HOME: home, NO_COLOR: "1", ...env },
  });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

describe("gen deploy --dry-run", () => {
  it("prints every statement in order, masks the secret, and connects to nothing", async () => {
    const r = await deploy([join(ROOT, "specs/policy.yaml"), "--dry-run"], { POLICY_API_KEY: SECRET });
    expect(r.exitCode, r.all).toBe(0);
    const files = build({ file: SPECS[0] as string }).files.filter((f) => f.path.startsWith("snowflake/"));
    const expected = planDeploy(files, { POLICY_API_KEY: SECRET }).statements;
    for (const st of expected) expect(r.stdout).toContain(st.display + ";");
    // in order: each statement after the one before it (USE ROLE repeats, so search on from there)
    let at = 0;
    for (const st of expected) {
      const next = r.stdout.indexOf(st.display + ";", at);
      expect(next, st.display).toBeGreaterThanOrEqual(at);
      at = next + st.display.length;
    }
    expect(r.stdout).toContain("SET SECRET_STRING = '***'");
    expect(r.all).not.toContain(SECRET);
    expect(r.all).not.toContain("deploy-s3cret");
    expect(r.stderr).toMatch(/dry run: \d+ statements, nothing sent/);
    expect(r.stderr).not.toMatch(/cannot reach/); // the example's default host is a public one
  });

  it("warns when the network rule would allow only a loopback host", async () => {
    const spec = join(tempDir("gen-deploy-loopback-"), "loopback.yaml");
    writeFileSync(
      spec,
      readFileSync(join(ROOT, "specs/policy.yaml"), "utf8").replace(
        "https://dbttest.free.beeceptor.com",
        "http://127.0.0.1:8787",
      ),
    );
    const r = await deploy([spec, "--dry-run"], { POLICY_API_KEY: SECRET });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/network rule allows 127\.0\.0\.1:8787, which Snowflake cannot reach/);
  });

  it("a project directory built with --target snowflake deploys the same statements as its spec", async () => {
    const { dir } = build({ file: SPECS[1] as string });
    const fromDir = await deploy([dir, "--dry-run"], {});
    const fromSpec = await deploy([join(ROOT, "specs/data_export.yaml"), "--dry-run"], {});
    expect(fromDir.exitCode, fromDir.all).toBe(0);
    expect(fromDir.stdout).toBe(fromSpec.stdout);
    expect(fromDir.stderr).toMatch(/EXPORT_API_TOKEN is not set/);
  });

  it("usage errors: no connection configured, no source", async () => {
    const noConn = await deploy([join(ROOT, "specs/policy.yaml")], {});
    expect(noConn.exitCode).toBe(2);
    expect(noConn.stderr).toMatch(/no Snowflake connection configured/);
    const none = await deploy([], {});
    expect(none.exitCode).toBe(2);
  });
});

describe("gen deploy against fakesnow's server (snowflake-sdk over HTTP)", () => {
  let server: FakesnowServer;

  beforeAll(async () => {
    requireVenv();
    server = await startFakesnow([...NOT_RUNNABLE_ON_FAKESNOW, GRANTS]);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it(
    "applies every statement in file order, sets the secret without printing it, and is safe to run twice",
    { timeout: 90_000 },
    async () => {
      const before = server.statements().length;
      const env = { ...connectionEnv(server.port), POLICY_API_KEY: SECRET };
      const first = await deploy([join(ROOT, "specs/policy.yaml")], env);
      expect(first.exitCode, first.all).toBe(0);
      const sent = server.statements().slice(before);
      const files = build({ file: SPECS[0] as string }).files.filter((f) => f.path.startsWith("snowflake/"));
      const plan = planDeploy(files, { POLICY_API_KEY: SECRET });
      // exactly the planned statements, in order, each acknowledged by fakesnow
      expect(sent.map((s) => s.sql)).toEqual(plan.statements.map((s) => s.sql));
      expect(sent.every((s) => s.success)).toBe(true);
      // the value went over the wire to Snowflake exactly once, escaped as a Snowflake literal, in one
      // standalone ALTER SECRET, and nowhere else
      const carrying = sent.filter((s) => s.sql.includes("deploy-s3cret"));
      expect(carrying.map((s) => s.sql)).toEqual([
        `ALTER SECRET EDW.O2C_AUDIT.POLICY_API_KEY SET SECRET_STRING = '${SECRET_ESCAPED}'`,
      ]);
      expect(first.all).not.toContain("deploy-s3cret");
      expect(first.stderr).toContain(`deployed: ${plan.statements.length} statements applied`);
      // 00: USE ROLE + 2 schemas (sync's too); 01, 02: USE ROLE + 1 (02: + the ALTER SECRET); 03: USE ROLE
      // ACCOUNTADMIN, the integration, USAGE and EXECUTE TASK for the owner, USE ROLE back; 04: the procedure;
      // 05: USE ROLE, the dbt project object (CREATE, ADD VERSION, SET); 06: USE ROLE + 5 grants; 07: USE ROLE,
      // the restart procedure, its grant, 2 tasks with RESUME; 08: USE ROLE, the alert and its RESUME
      expect(plan.statements.length).toBe(34);
      expect(sent.map((s) => s.sql).filter((sql) => sql.startsWith("USE ROLE"))).toEqual([
        "USE ROLE WORKFLOW_ADMIN",
        "USE ROLE WORKFLOW_ADMIN",
        "USE ROLE WORKFLOW_ADMIN",
        "USE ROLE ACCOUNTADMIN",
        "USE ROLE WORKFLOW_ADMIN",
        "USE ROLE WORKFLOW_ADMIN",
        "USE ROLE WORKFLOW_ADMIN",
        "USE ROLE WORKFLOW_ADMIN",
        "USE ROLE WORKFLOW_ADMIN",
      ]);
      // CREATE SCHEMA is not a nop: fakesnow created it
      expect(sent[1]?.sql).toBe("CREATE SCHEMA IF NOT EXISTS EDW.O2C_AUDIT");

      const second = await deploy([join(ROOT, "specs/policy.yaml")], env);
      expect(second.exitCode, second.all).toBe(0);
      const again = server.statements().slice(before + sent.length);
      expect(again.map((s) => s.sql)).toEqual(sent.map((s) => s.sql));
      expect(again.every((s) => s.success)).toBe(true);
    },
  );

  it("reads the connection from connections.toml with --connection", { timeout: 60_000 }, async () => {
    const home = tempDir("gen-sf-toml-");
    const toml = join(home, "connections.toml");
    writeFileSync(
      toml,
      `[gen_test]\naccount = "fakesnow"\nuser = "fake"\npassword = "snow"\nhost = "127.0.0.1"\nport = ${server.port}\nprotocol = "http"\ndatabase = "ANALYTICS"\nschema = "PUBLIC"\n`,
    );
    chmodSync(toml, 0o600); // the driver refuses a connections file others can read
    const before = server.statements().length;
    const r = await deploy([join(ROOT, "specs/data_export.yaml"), "--connection", "gen_test"], {
      SNOWFLAKE_HOME: home,
      EXPORT_API_TOKEN: SECRET,
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toContain(`[gen_test] of ${toml}`);
    // 00-04 (one ALTER SECRET among them) and 4 grants to the role that runs dbt; no owner_role, no USE ROLE
    expect(server.statements().length - before).toBe(10);
    expect(r.all).not.toContain("deploy-s3cret");
  });
});

describe("gen deploy stops at the first failing statement", () => {
  let server: FakesnowServer;

  beforeAll(async () => {
    requireVenv();
    // GRANT is left out of the nop list: fakesnow rejects it, which stands in for any statement Snowflake rejects
    server = await startFakesnow(NOT_RUNNABLE_ON_FAKESNOW);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it(
    "prints the statement and Snowflake's error, exits 4, and sends nothing after it",
    { timeout: 60_000 },
    async () => {
      expect(NOT_RUNNABLE_ON_FAKESNOW).not.toContain(GRANTS);
      const specFile = join(tempDir("gen-sf-spec-"), "full.yaml");
      writeFileSync(specFile, FULL_OPTIONS_SPEC);
      const r = await deploy([specFile], {
        ...connectionEnv(server.port),
        SNOWFLAKE_DATABASE: "ANALYTICS", // fakesnow creates the session's database on login
        API_PASSWORD: SECRET,
        OTHER_TOKEN: "other-token-value",
      });
      expect(r.exitCode, r.all).toBe(4);
      const sent = server.statements();
      const last = sent[sent.length - 1] as LoggedStatement;
      expect(last.success).toBe(false);
      expect(last.sql).toBe("GRANT USAGE ON INTEGRATION SF_OPTIONS_ACCESS TO ROLE WORKFLOW_ADMIN");
      expect(sent.slice(0, -1).every((s) => s.success)).toBe(true);
      expect(sent.filter((s) => s.sql.startsWith("GRANT"))).toHaveLength(1);
      // the output names the statement, where it comes from, and fakesnow's own error text
      expect(r.stderr).toMatch(/\[\d+\/\d+\] snowflake\/03_external_access_integration\.sql:\d+ failed: /);
      expect(r.stderr).toContain("GRANT USAGE ON INTEGRATION SF_OPTIONS_ACCESS TO ROLE WORKFLOW_ADMIN");
      expect(r.stderr).toContain(String(last.message).split("\n")[0]);
      expect(r.stderr).toMatch(/gen deploy stopped at statement \d+ of \d+/);
      expect(r.all).not.toContain("deploy-s3cret");
      expect(r.all).not.toContain("other-token-value");
    },
  );
});

describe("gen deploy keeps a secret value out of everything it prints, even when Snowflake rejects it", () => {
  let server: FakesnowServer;

  beforeAll(async () => {
    requireVenv();
    // ALTER SECRET is left out of the nop list: fakesnow rejects it (a parser error that quotes its start)
    server = await startFakesnow([
      ...NOT_RUNNABLE_ON_FAKESNOW.filter((r) => !r.includes("ALTER\\s+SECRET")),
      GRANTS,
    ]);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  for (const json of [false, true])
    it(
      `the value reaches Snowflake once, in its own statement, and no output shows it${json ? " (--json)" : ""}`,
      { timeout: 60_000 },
      async () => {
        const before = server.statements().length;
        const args = [join(ROOT, "specs/policy.yaml"), ...(json ? ["--json"] : [])];
        const r = await deploy(args, { ...connectionEnv(server.port), POLICY_API_KEY: SECRET });
        expect(r.exitCode, r.all).toBe(4);
        const sent = server.statements().slice(before);
        const last = sent[sent.length - 1] as LoggedStatement;
        expect(last.success).toBe(false);
        expect(last.sql).toBe(
          `ALTER SECRET EDW.O2C_AUDIT.POLICY_API_KEY SET SECRET_STRING = '${SECRET_ESCAPED}'`,
        );
        expect(sent.filter((s) => s.sql.includes("deploy-s3cret"))).toHaveLength(1);
        // gen prints the failing statement (masked) and fakesnow's error, and never the value
        expect(r.all).toContain("SET SECRET_STRING = '***'");
        expect(r.all).toContain(String(last.message).split("\n")[0]);
        expect(r.all).not.toContain("deploy-s3cret");
        expect(r.all).not.toContain("quoted");
        if (json) {
          const result = JSON.parse(r.stdout) as {
            ok: boolean;
            statements: { ok: boolean; error?: string }[];
          };
          expect(result.ok).toBe(false);
          expect(result.statements[result.statements.length - 1]?.error).toBeTruthy();
        }
      },
    );
});
