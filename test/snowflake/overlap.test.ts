/**
 * Two dbt runs at once against one Snowflake account (on Snowflake: a task and a person, or two tasks): each
 * execution is held by one run at a time (its lease: owner and expiry, taken by one conditional UPDATE), so
 * every create reaches the API exactly once. Real dbt-snowflake processes connect over the network to one
 * fakesnow server (test/snowflake/fakesnow_server.py: statements one at a time, as Snowflake's table locks order
 * updates; the HTTP procedure served by its own generated handler) and call the mock API.
 */
import { execa, type ResultPromise } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { VENVS } from "../../generator/dbt/index.ts";
import { startMockApi, type MockApi } from "../../generator/mockapi/index.ts";
import {
  build,
  removeTempDirs,
  requireNativeVenv,
  startFakesnow,
  tempDir,
  type BuiltProject,
  type FakesnowServer,
} from "./helpers.ts";

afterAll(removeTempDirs);

const SECRET = "overlap-t0ken-never-stored";

/** A project for both targets whose API is the mock's, with its token as a secret; its workflows follow. */
const header = (project: string, apiUrl: string) => `
version: 1
project:
  name: ${project}
  targets: [duckdb, snowflake]
  snowflake:
    { warehouse: WH, database: EDW, schema: PUBLIC, role: RUNNER, external_access_integration: OVERLAP_ACCESS }
connections:
  api:
    base_url: ${apiUrl}
    auth: { type: bearer, token: "\${secret.OVERLAP_API_KEY}" }
workflows:`;

/** One policy per run: create it, then poll it until ready (the test says when: it sets the mock's pending polls). */
const spec = (apiUrl: string, leaseMinutes: number) => `${header("overlap_it", apiUrl)}
  - name: one_policy
    state: { lease_minutes: ${leaseMinutes} }
    steps:
      - name: create_policy
        request: { connection: api, method: POST, path: /createpolicy, body: { policy_name: overlap } }
        outputs: { policy_id: $.policy_id }
      - name: poll_policy
        request: { connection: api, method: GET, path: "/policy/\${steps.create_policy.policy_id}" }
        poll: { status: $.status, success: [success], pending: [pending], max_attempts: 1000, interval_s: 1 }
`;

/** One execution per customer of the model; a create per row, then its poll. */
const fanoutSpec = (apiUrl: string) => `${header("overlap_rows", apiUrl)}
  - name: customer_policy
    for_each: { model: active_customers, key: customer_id }
    concurrency: 4
    steps:
      - name: create_policy
        request:
          { connection: api, method: POST, path: /createpolicy, body: { policy_name: "policy-\${row.customer_id}" } }
        outputs: { policy_id: $.policy_id }
      - name: poll_policy
        request: { connection: api, method: GET, path: "/policy/\${steps.create_policy.policy_id}" }
        poll: { status: $.status, success: [success], pending: [pending], max_attempts: 1000, interval_s: 0.5 }
`;

/** The user's model of the rows: customers first..last (plain VALUES: Snowflake and fakesnow read it alike). */
function writeCustomers(project: BuiltProject, first: number, last: number): void {
  const rows = Array.from({ length: last - first + 1 }, (_, i) => `(${first + i})`).join(", ");
  writeFileSync(
    join(project.dir, "models", "active_customers.sql"),
    `select customer_id from (values ${rows}) as t(customer_id)\n`,
  );
}

interface Dbt {
  process: ResultPromise<{ all: true; reject: false }>;
  output: () => string;
}

describe("two dbt runs at once on one Snowflake account", { timeout: 900_000 }, () => {
  let api: MockApi | undefined;
  let server: FakesnowServer | undefined;
  const running: Dbt[] = [];

  afterEach(async () => {
    for (const d of running.splice(0)) d.process.kill("SIGKILL");
    await server?.stop();
    await api?.close();
  });

  /** dbt-snowflake of the native venv, connected over the network to the fakesnow server. */
  function profilesDir(project: BuiltProject, port: number): string {
    const dir = tempDir("gen-sf-overlap-profiles-");
    writeFileSync(
      join(dir, "profiles.yml"),
      `${project.plan.project.name}:\n  target: fs\n  outputs:\n    fs:\n      type: snowflake\n` +
        `      account: fakesnow\n      user: fake\n      password: snow\n      host: 127.0.0.1\n` +
        `      port: ${port}\n      protocol: http\n      database: EDW\n      schema: PUBLIC\n` +
        `      warehouse: WH\n      threads: 1\n`,
    );
    return dir;
  }

  function dbt(project: BuiltProject, profiles: string, args: string[]): Dbt {
    let all = "";
    const process = execa(
      join(VENVS.snowflake.dir, "bin", "dbt"),
      [...args, "--project-dir", project.dir, "--profiles-dir", profiles, "--target", "fs"],
      {
        all: true,
        reject: false,
        cwd: project.dir,
        env: { DBT_SEND_ANONYMOUS_USAGE_STATS: "false", DBT_USE_COLORS: "false" },
      },
    );
    process.all?.on("data", (chunk: Buffer) => (all += chunk.toString()));
    const d = { process, output: () => all };
    running.push(d);
    return d;
  }

  /** The run's result, or a failure naming it when it has not ended within `ms` (e.g. it polls what it should leave). */
  async function ended(name: string, d: Dbt, ms = 240_000): Promise<{ exitCode?: number }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`run ${name} did not end within ${ms} ms:\n${d.output()}`)),
        ms,
      );
    });
    try {
      return await Promise.race([d.process, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function until(what: string, condition: () => boolean, timeoutMs = 240_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("a run leaves an execution another run holds alone; once the holder is killed, its lease expires and the next run resumes it", async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0, scenario: { requireToken: SECRET, pendingPolls: 100_000 } });
    const project = build({ text: spec(api.url, 0.25), name: "overlap.yaml" });
    server = await startFakesnow([], {
      procedure_sql: join(project.dir, "snowflake", "04_gen_http_request_procedure.sql"),
      secrets: { OVERLAP_API_KEY: SECRET },
      serialize: true,
      json_rowsets: false,
    });
    const profiles = profilesDir(project, server.port);
    const creates = () => api!.requests().filter((r) => r.endpoint === "create_policy").length;
    const polls = () => api!.requests().filter((r) => r.endpoint === "get_policy").length;
    const select = ["run", "--select", "stateful_one_policy"];

    // run A creates the policy and polls it (pending until the test says otherwise, one poll a second)
    const a = dbt(project, profiles, select);
    await until("run A's create", () => creates() === 1);

    // run B, started while A polls, finds the execution held by A: no call, success
    const b = dbt(project, profiles, select);
    const bResult = await ended("B", b);
    expect(bResult.exitCode, b.output()).toBe(0);
    expect(b.output()).toMatch(/is being run by another dbt run/);
    expect(creates()).toBe(1);

    // A dies mid-poll (its process killed, as a crash would): its lease of 15 s stops being renewed
    expect(a.process.exitCode).toBeNull();
    a.process.kill("SIGKILL");
    await a.process;
    const pollsAtKill = polls();

    // once the lease expired, the next run takes the execution over and finishes it from its poll step
    await new Promise((r) => setTimeout(r, 16_000));
    api.setScenario({ pendingPolls: 0 });
    const c = dbt(project, profiles, select);
    const cResult = await ended("C", c);
    expect(cResult.exitCode, c.output()).toBe(0);
    expect(c.output()).toMatch(/resuming at step 2\/2/);
    expect(creates()).toBe(1);
    expect(polls()).toBeGreaterThan(pollsAtKill);
  });

  it("for_each: two runs started together create each row once; a run started while another holds the rows leaves them; --full-refresh runs every row again", async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0, scenario: { requireToken: SECRET, pendingPolls: 2 } });
    const project = build({ text: fanoutSpec(api.url), name: "overlap_rows.yaml" });
    server = await startFakesnow([], {
      procedure_sql: join(project.dir, "snowflake", "04_gen_http_request_procedure.sql"),
      secrets: { OVERLAP_API_KEY: SECRET },
      serialize: true,
      json_rowsets: false,
    });
    const profiles = profilesDir(project, server.port);
    const select = ["run", "--select", "+stateful_customer_policy"];
    const createsPerKey = () => {
      const count = new Map<string, number>();
      for (const r of api!.requests().filter((q) => q.endpoint === "create_policy")) {
        const name = (r.body as { policy_name: string }).policy_name;
        count.set(name, (count.get(name) ?? 0) + 1);
      }
      return count;
    };
    const expectEachOnce = (first: number, last: number, times = 1) => {
      const count = createsPerKey();
      for (let k = first; k <= last; k++)
        expect(count.get(`policy-${k}`), `creates of customer ${k}`).toBe(times);
    };

    // 1. two runs started at the same moment on 30 new rows: whatever their interleaving, one create per row
    writeCustomers(project, 1, 30);
    const [a, b] = [dbt(project, profiles, select), dbt(project, profiles, select)];
    for (const [name, d] of [
      ["A", a],
      ["B", b],
    ] as const) {
      const r = await ended(name, d);
      expect(r.exitCode, d.output()).toBe(0);
    }
    expectEachOnce(1, 30);
    expect(createsPerKey().size).toBe(30);

    // 2. 10 more rows; run C creates them and polls (pending until the test says); run D, started meanwhile,
    //    finds them held by C and leaves them
    api.setScenario({ pendingPolls: 100_000 });
    writeCustomers(project, 1, 40);
    const c = dbt(project, profiles, select);
    await until("run C's 10 creates", () => createsPerKey().size === 40);
    const d = dbt(project, profiles, select);
    const dResult = await ended("D", d);
    expect(dResult.exitCode, d.output()).toBe(0);
    expect(d.output()).toMatch(/10 unfinished execution\(s\) held by another dbt run, left to it/);
    expect(d.output()).toMatch(/0 unfinished execution\(s\) of active_customers/);
    api.setScenario({ pendingPolls: 0 });
    const cResult = await ended("C", c);
    expect(cResult.exitCode, c.output()).toBe(0);
    expectEachOnce(1, 40);

    // 3. --full-refresh: every row runs again, as a new execution, once
    const e = dbt(project, profiles, [...select, "--full-refresh"]);
    const eResult = await ended("E", e);
    expect(eResult.exitCode, e.output()).toBe(0);
    expectEachOnce(1, 40, 2);
  });
});
