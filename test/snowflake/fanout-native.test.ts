/**
 * A for_each workflow run the way dbt Projects on Snowflake runs it (the native driver on fakesnow: dbt 1.10.15,
 * env_var() unavailable): each step's HTTP calls go out as CALLs of the batch procedure, served by its own
 * handler against the mock API, in chunks of at most gen_http_batch_max_requests requests and 256 KiB of request
 * JSON per CALL.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockApi, type MockApi } from "../../generator/mockapi/index.ts";
import { build, FANOUT_SPEC, removeTempDirs, requireNativeVenv, runNative, withEndpoint } from "./helpers.ts";

afterAll(removeTempDirs);

const SECRET = "fanout-t0ken-not-in-any-table";
const BIG = 150_000; // characters of the tier of rows 12 and 14: two such requests pass 256 KiB
type Row = Record<string, unknown>;

interface StepReport {
  step: { dbt?: string[]; sql?: string; query?: string };
  success: boolean;
  rows?: Row[];
  error?: string;
  statements?: string[];
  results?: { unique_id: string; status: string }[];
  log?: string[];
}

const SOURCE = "EDW.FANOUT.CUSTOMERS_SRC";
const customers = (from: number, to: number, tier: (i: number) => string) =>
  `insert into ${SOURCE} (customer_id, tier) ` +
  Array.from({ length: to - from + 1 }, (_, k) => `select ${from + k}, ${tier(from + k)}`).join(
    " union all ",
  );

/** The requests each CALL of the batch procedure carried, in the order of the CALLs of a dbt step. */
function batchCalls(step: StepReport): { requests: number; chars: number }[] {
  return (step.statements ?? [])
    .filter((s) => /^call EDW\.FANOUT\.SF_FANOUT_HTTP_BATCH\('\[/.test(s))
    .map((s) => ({ requests: (s.match(/\{"method": /g) ?? []).length, chars: s.length }));
}

describe("for_each on the snowflake target (native dbt on fakesnow)", () => {
  let api: MockApi;
  let steps: StepReport[];
  const byQuery = (label: string): Row[] => {
    const s = steps.find((st) => st.step.query === label);
    expect(s?.error, label).toBeUndefined();
    return s?.rows ?? [];
  };
  const runs = () => steps.filter((s) => s.step.dbt);

  beforeAll(async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0, scenario: { requireToken: SECRET, pendingPolls: 1 } });
    const project = build({ text: withEndpoint(FANOUT_SPEC, api.url), name: "fanout.yaml" });
    writeFileSync(
      join(project.dir, "models", "active_customers.sql"),
      `select customer_id, tier from ${SOURCE}\n`,
    );
    const state =
      "select customer_id, status, completed, policy_id, create_policy_response:policy_id::varchar as response_policy_id," +
      " error_message from customer_policy_state order by customer_id::int";
    ({
      report: { steps },
    } = await runNative<{ steps: StepReport[] }>(project, {
      database: "EDW",
      schema: "FANOUT",
      mockUrl: api.url,
      secrets: { FANOUT_API_KEY: SECRET },
      steps: [
        { sql: `create table ${SOURCE} (customer_id integer, tier varchar)` },
        { sql: customers(1, 10, (i) => (i % 2 ? "'silver'" : "'gold'")) },
        // chunks of 4: each round of 10 calls is 3 CALLs
        {
          dbt: ["run", "--select", "+stateful_customer_policy", "--vars", "{gen_http_batch_max_requests: 4}"],
        },
        { query: "first", sql: state },
        // six new keys, two of them with requests too big to share a CALL; the API refuses customer 13's
        { sql: customers(11, 16, (i) => (i === 12 || i === 14 ? `repeat('x', ${BIG})` : "'silver'")) },
        { scenario: { requireToken: SECRET, pendingPolls: 1, rejectBodyContaining: '"policy-13"' } },
        { dbt: ["run", "--select", "stateful_customer_policy"] },
        { query: "second", sql: state },
      ],
    }));
  }, 300_000);

  afterAll(async () => {
    await api?.close();
  });

  it("every row completes with its own outputs, its calls cut into CALLs of at most 4 requests", () => {
    const [run] = runs();
    expect(run?.success, JSON.stringify(run?.log?.slice(-20))).toBe(true);
    const rows = byQuery("first");
    expect(rows.map((r) => String(r.CUSTOMER_ID))).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
      "8",
      "9",
      "10",
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({ STATUS: "completed", COMPLETED: true, ERROR_MESSAGE: null });
      expect(r.POLICY_ID).toBe(r.RESPONSE_POLICY_ID);
    }
    expect(new Set(rows.map((r) => r.POLICY_ID)).size).toBe(10);
    // the create round and two poll rounds (pending, then success): 4 + 4 + 2 each, in order
    expect(batchCalls(run!).map((c) => c.requests)).toEqual([4, 4, 2, 4, 4, 2, 4, 4, 2]);
    // no CALL of the one-request procedure: the batch procedure made every call
    expect(run!.statements!.some((s) => /_HTTP_REQUEST\(/.test(s))).toBe(false);
    const creates = api.requests().filter((r) => r.endpoint === "create_policy");
    expect(creates.slice(0, 10).every((r) => r.headers["authorization"] === `Bearer ${SECRET}`)).toBe(true);
    expect(run!.statements!.join("\n")).not.toContain(SECRET);
  });

  it("one row's API failure fails the node after the other rows complete", () => {
    const second = runs()[1]!;
    expect(second.success).toBe(false);
    expect(second.results?.find((r) => r.unique_id.endsWith(".stateful_customer_policy"))?.status).toBe(
      "error",
    );
    expect(second.log?.join("\n")).toMatch(/1 of 6 row\(s\) failed \(first: customer_id 13,/);
    const rows = byQuery("second").filter((r) => Number(r.CUSTOMER_ID) > 10);
    expect(rows.map((r) => [String(r.CUSTOMER_ID), r.STATUS])).toEqual([
      ["11", "completed"],
      ["12", "completed"],
      ["13", "error"],
      ["14", "completed"],
      ["15", "completed"],
      ["16", "completed"],
    ]);
    expect(String(rows[2]!.ERROR_MESSAGE)).toMatch(
      /^step 1\/2 create_policy: POST .*\/createpolicy: HTTP 422/,
    );
    for (const r of rows.filter((x) => x.STATUS === "completed"))
      expect(r.POLICY_ID).toBe(r.RESPONSE_POLICY_ID);
    // default chunks (64 requests): the creates split only by size, 11-13 then 14-16; each poll round one CALL
    const calls = batchCalls(second);
    expect(calls.map((c) => c.requests)).toEqual([3, 3, 5, 5]);
    expect(Math.max(...calls.map((c) => c.chars))).toBeLessThan(2 * 262_144);
    // the first run's rows were not run again
    expect(byQuery("second").filter((r) => Number(r.CUSTOMER_ID) <= 10)).toEqual(byQuery("first"));
  });
});
