import { afterEach, describe, expect, it } from "vitest";
import {
  type MockApi,
  SCENARIO_PRESETS,
  resolveScenario,
  startMockApi,
} from "../../generator/mockapi/index.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let api: MockApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function start(options: Parameters<typeof startMockApi>[0] = {}): Promise<MockApi> {
  api = await startMockApi(options);
  return api;
}

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function call(
  m: MockApi,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Res> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const r = await fetch(`${m.url}${path}`, init);
  const text = await r.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // invalid JSON is a legitimate answer in some scenarios
  }
  return { status: r.status, headers: r.headers, text, json: parsed };
}

describe("mock API: policy flow", () => {
  it("creates a policy, polls it pending twice then ready, and triggers the circuit breaker", async () => {
    const m = await start({ scenario: { pendingPolls: 2 } });
    expect(m.url).toBe(`http://127.0.0.1:${m.port}`);
    const input = { policy_name: "sample_policy", policy_type: "data_governance" };

    const created = await call(m, "POST", "/createpolicy", input);
    expect(created.status).toBe(200);
    expect(created.headers.get("content-type")).toMatch(/^application\/json/);
    expect(created.json["status"]).toBe("created");
    expect(created.json["message"]).toBe("Policy created successfully");
    const policyId = created.json["policy_id"] as string;
    expect(policyId).toMatch(UUID_V4);
    expect(created.json["execution_id"]).toMatch(/^exec_\d{8}_\d{6}_[0-9a-f]{4}$/);

    const statuses: unknown[] = [];
    const polls: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await call(m, "GET", `/policy/${policyId}`);
      expect(p.status).toBe(200);
      expect(p.json["policy_id"]).toBe(policyId);
      statuses.push(p.json["status"]);
      polls.push(p.json["poll"]);
    }
    expect(statuses).toEqual(["pending", "pending", "success"]);
    expect(polls).toEqual([1, 2, 3]);

    const cb = await call(m, "POST", "/circuit", { policy_id: policyId, trigger_reason: "done" });
    expect(cb.status).toBe(200);
    expect(cb.json).toMatchObject({
      status: "initiated",
      message: "Circuit breaker initiated successfully",
      policy_id: policyId,
    });
    expect(cb.json["circuit_breaker_id"]).toMatch(/^cb_\d{8}_\d{6}_[0-9a-f]{8}$/);

    const log = m.requests();
    expect(log.map((e) => e.endpoint)).toEqual([
      "create_policy",
      "get_policy",
      "get_policy",
      "get_policy",
      "circuit",
    ]);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log[0]?.body).toEqual(input);
    expect(log[0]?.headers["content-type"]).toBe("application/json");
    expect(log.every((e) => e.status === 200 && !e.idempotentReplay)).toBe(true);
    expect(Number.isNaN(Date.parse(log[0]?.at ?? ""))).toBe(false);
  });

  it("answers a custom readyStatus and a terminal failure", async () => {
    const m = await start({ scenario: { readyStatus: "active" } });
    const id = (await call(m, "POST", "/createpolicy", {})).json["policy_id"] as string;
    expect((await call(m, "GET", `/policy/${id}`)).json["status"]).toBe("active");

    m.setScenario({ terminalFailure: true, pendingPolls: 1 });
    const id2 = (await call(m, "POST", "/createpolicy", {})).json["policy_id"] as string;
    expect((await call(m, "GET", `/policy/${id2}`)).json["status"]).toBe("pending");
    const failed = await call(m, "GET", `/policy/${id2}`);
    expect(failed.json).toMatchObject({ status: "failed", message: "Policy creation failed", poll: 2 });
  });

  it("answers 404 JSON for an unknown policy and for unknown routes", async () => {
    const m = await start();
    const r = await call(m, "GET", "/policy/00000000-0000-4000-8000-000000000000");
    expect(r.status).toBe(404);
    expect(r.json["error"]).toBe("not_found");
    expect(typeof r.json["message"]).toBe("string");
    const other = await call(m, "GET", "/nope?x=1");
    expect(other.status).toBe(404);
    expect(other.headers.get("content-type")).toMatch(/^application\/json/);
    const entry = m.requests()[1];
    expect(entry).toMatchObject({ endpoint: "unknown", path: "/nope", query: { x: "1" }, status: 404 });
  });

  it("rejects a circuit breaker for an unknown policy or a non-JSON body with 400", async () => {
    const m = await start();
    const unknown = await call(m, "POST", "/circuit", { policy_id: "does-not-exist" });
    expect(unknown.status).toBe(400);
    expect(unknown.json["message"]).toContain("does-not-exist");
    const notJson = await call(m, "POST", "/circuit", "policy_id=1");
    expect(notJson.status).toBe(400);
    expect(m.requests()[1]?.body).toBe("policy_id=1");
  });
});

describe("mock API: export flow", () => {
  it("queues, runs, completes, lists a manifest and acknowledges an export", async () => {
    const m = await start({ scenario: { pendingPolls: 1 } });
    const created = await call(m, "POST", "/exports", { table: "orders" });
    expect(created.status).toBe(200);
    const exp = created.json["export"] as { id: string; state: string };
    expect(exp.id).toMatch(/^exp_[0-9a-f]{8}$/);
    expect(exp.state).toBe("queued");
    expect(Number.isNaN(Date.parse(created.json["requested_at"] as string))).toBe(false);

    const early = await call(m, "GET", `/exports/${exp.id}/manifest`);
    expect(early.status).toBe(409);

    const first = await call(m, "GET", `/exports/${exp.id}`);
    expect(first.json["export"]).toEqual({ id: exp.id, state: "running" });
    const progress = first.json["progress"] as number;
    expect(progress).toBeGreaterThanOrEqual(0);
    expect(progress).toBeLessThan(100);
    const second = await call(m, "GET", `/exports/${exp.id}`);
    expect(second.json).toEqual({ export: { id: exp.id, state: "done" }, progress: 100 });

    const manifest = await call(m, "GET", `/exports/${exp.id}/manifest`);
    expect(manifest.status).toBe(200);
    const files = manifest.json["files"] as { name: string; rows: number }[];
    expect(files[0]).toEqual({ name: "part-0001.csv", rows: 100 });
    expect(manifest.json["row_count"]).toBe(files.reduce((s, f) => s + f.rows, 0));
    expect(manifest.json["checksum"]).toMatch(/^[0-9a-f]{64}$/);

    const ack = await call(m, "POST", `/exports/${exp.id}/ack`);
    expect(ack.json).toEqual({ acknowledged: true, export_id: exp.id });
    expect(m.requests().map((e) => e.endpoint)).toEqual([
      "create_export",
      "get_manifest",
      "get_export",
      "get_export",
      "get_manifest",
      "ack_export",
    ]);
  });

  it("ends an export in state failed with terminalFailure and 404s unknown exports", async () => {
    const m = await start({ scenario: { terminalFailure: true } });
    const id = ((await call(m, "POST", "/exports", {})).json["export"] as { id: string }).id;
    const polled = await call(m, "GET", `/exports/${id}`);
    expect((polled.json["export"] as { state: string }).state).toBe("failed");
    expect((await call(m, "GET", `/exports/${id}/manifest`)).status).toBe(409);
    expect((await call(m, "GET", "/exports/exp_00000000")).status).toBe(404);
    expect((await call(m, "POST", "/exports/exp_00000000/ack")).status).toBe(404);
  });
});

describe("mock API: idempotency and faults", () => {
  it("replays the first response for a repeated Idempotency-Key without creating a second policy", async () => {
    const m = await start();
    const headers = { "Idempotency-Key": "exec-123" };
    const a = await call(m, "POST", "/createpolicy", { n: 1 }, headers);
    const b = await call(m, "POST", "/createpolicy", { n: 2 }, headers);
    expect(b.status).toBe(a.status);
    expect(b.text).toBe(a.text);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    const policyId = a.json["policy_id"] as string;

    // Only one policy exists: its first poll is poll 1 and a different key creates a new one.
    expect((await call(m, "GET", `/policy/${policyId}`)).json["poll"]).toBe(1);
    const c = await call(m, "POST", "/createpolicy", { n: 3 }, { "Idempotency-Key": "exec-456" });
    expect(c.json["policy_id"]).not.toBe(policyId);

    const log = m.requests();
    expect(log.map((e) => e.idempotentReplay)).toEqual([false, true, false, false]);
    expect(log[1]?.headers["idempotency-key"]).toBe("exec-123");
  });

  it("does not store injected failures under an Idempotency-Key", async () => {
    const m = await start({ scenario: { failFirst: 1 } });
    const headers = { "Idempotency-Key": "k" };
    const failed = await call(m, "POST", "/createpolicy", {}, headers);
    expect(failed.status).toBe(503);
    const ok = await call(m, "POST", "/createpolicy", {}, headers);
    expect(ok.status).toBe(200);
    const again = await call(m, "POST", "/createpolicy", {}, headers);
    expect(again.json["policy_id"]).toBe(ok.json["policy_id"]);
    expect(m.requests().map((e) => [e.status, e.idempotentReplay])).toEqual([
      [503, false],
      [200, false],
      [200, true],
    ]);
  });

  it("fails the first K requests with 503 then succeeds; health does not count", async () => {
    const m = await start({ scenario: { failFirst: 2 } });
    expect((await call(m, "GET", "/health")).json).toEqual({ ok: true });
    const r1 = await call(m, "POST", "/createpolicy", {});
    const r2 = await call(m, "POST", "/createpolicy", {});
    const r3 = await call(m, "POST", "/createpolicy", {});
    expect([r1.status, r2.status, r3.status]).toEqual([503, 503, 200]);
    expect(r1.json["error"]).toBe("service_unavailable");
    expect(r1.headers.get("retry-after")).toBeNull();
    expect(m.requests().map((e) => e.status)).toEqual([503, 503, 200]);
  });

  it("answers 429 with a Retry-After header (rate-limited preset)", async () => {
    const m = await start({ scenario: resolveScenario("rate-limited") });
    const limited = await call(m, "POST", "/createpolicy", {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.json["error"]).toBe("rate_limited");
    expect((await call(m, "POST", "/createpolicy", {})).status).toBe(200);
  });

  it("answers truncated JSON labelled as JSON on invalidJsonOn endpoints", async () => {
    const m = await start({ scenario: { invalidJsonOn: ["create_policy"] } });
    const r = await call(m, "POST", "/createpolicy", {});
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.text).toBe('{"policy_id": "broken');
    expect(() => JSON.parse(r.text)).toThrow();
    // Other endpoints are unaffected.
    expect((await call(m, "POST", "/exports", {})).status).toBe(200);
  });

  it("requires the bearer token when requireToken is set", async () => {
    const m = await start({ scenario: { requireToken: "s3cret" } });
    const none = await call(m, "POST", "/createpolicy", {});
    expect(none.status).toBe(401);
    expect(none.json["error"]).toBe("unauthorized");
    const wrong = await call(m, "POST", "/createpolicy", {}, { Authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    const ok = await call(m, "POST", "/createpolicy", {}, { Authorization: "Bearer s3cret" });
    expect(ok.status).toBe(200);
    expect(m.requests()[2]?.headers["authorization"]).toBe("Bearer s3cret");
    // Health and admin endpoints need no token.
    expect((await call(m, "GET", "/health")).status).toBe(200);
    expect((await call(m, "GET", "/__admin/requests")).status).toBe(200);
  });

  it("rejects only the requests whose body contains rejectBodyContaining, with a 422", async () => {
    const m = await start({ scenario: { rejectBodyContaining: "policy-7" } });
    const rejected = await call(m, "POST", "/createpolicy", { policy_name: "policy-7" });
    expect(rejected.status).toBe(422);
    expect(rejected.json["error"]).toBe("rejected");
    const other = await call(m, "POST", "/createpolicy", { policy_name: "policy-8" });
    expect(other.status).toBe(200);
    expect((await call(m, "GET", `/policy/${other.json["policy_id"] as string}`)).status).toBe(200);
    expect(m.requests().map((r) => r.status)).toEqual([422, 200, 200]);
    expect(() => resolveScenario('{"rejectBodyContaining": ""}')).toThrow(/rejectBodyContaining/);
  });

  it("delays responses by latencyMs", async () => {
    const m = await start({ scenario: { latencyMs: 120 } });
    const t0 = Date.now();
    expect((await call(m, "POST", "/createpolicy", {})).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });
});

describe("mock API: admin, logging, unicode, close", () => {
  it("changes the scenario, lists requests and resets through the admin endpoints", async () => {
    const m = await start({ scenario: { pendingPolls: 3 } });
    const set = await call(m, "POST", "/__admin/scenario", { pendingPolls: 0, readyStatus: "ready" });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ pendingPolls: 0, readyStatus: "ready", failStatus: 503 });
    const bad = await call(m, "POST", "/__admin/scenario", { pendingPols: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json["message"]).toContain("pendingPols");

    const id = (await call(m, "POST", "/createpolicy", { a: 1 })).json["policy_id"] as string;
    expect((await call(m, "GET", `/policy/${id}`)).json["status"]).toBe("ready");

    const listed = await fetch(`${m.url}/__admin/requests`).then((r) => r.json() as Promise<unknown[]>);
    expect(listed).toHaveLength(2);
    expect(listed).toEqual(m.requests());

    const reset = await call(m, "POST", "/__admin/reset");
    expect(reset.json).toEqual({ ok: true });
    expect(m.requests()).toEqual([]);
    // Policies are gone and the start scenario (pendingPolls 3) is back.
    expect((await call(m, "GET", `/policy/${id}`)).status).toBe(404);
    const id2 = (await call(m, "POST", "/createpolicy", {})).json["policy_id"] as string;
    expect((await call(m, "GET", `/policy/${id2}`)).json["status"]).toBe("pending");
    expect(m.requests()[0]?.seq).toBe(1);
  });

  it("reset() also rearms failFirst and forgets idempotency records", async () => {
    const m = await start({ scenario: { failFirst: 1 } });
    expect((await call(m, "POST", "/createpolicy", {}, { "Idempotency-Key": "x" })).status).toBe(503);
    const first = await call(m, "POST", "/createpolicy", {}, { "Idempotency-Key": "x" });
    m.reset();
    expect((await call(m, "POST", "/createpolicy", {}, { "Idempotency-Key": "x" })).status).toBe(503);
    const afterReset = await call(m, "POST", "/createpolicy", {}, { "Idempotency-Key": "x" });
    expect(afterReset.json["policy_id"]).not.toBe(first.json["policy_id"]);
    expect(m.requests().map((e) => e.idempotentReplay)).toEqual([false, false]);
  });

  it("setScenario with failFirst arms a new burst of failures", async () => {
    const m = await start();
    expect((await call(m, "POST", "/createpolicy", {})).status).toBe(200);
    m.setScenario({ failFirst: 1, failStatus: 502 });
    expect((await call(m, "POST", "/createpolicy", {})).status).toBe(502);
    expect((await call(m, "POST", "/createpolicy", {})).status).toBe(200);
    expect(() => m.setScenario({ hangOn: ["no_such_endpoint"] })).toThrow(/no_such_endpoint/);
  });

  it("logs unicode, emoji, quotes and backslashes in request bodies exactly", async () => {
    const m = await start();
    const body = {
      name: "politique «données» — ñandú 政策 🚦🔥",
      quote: `it's "quoted" \\ back\\slash`,
      nested: { emoji: "👩‍💻", newline: "a\nb\tc" },
    };
    const raw = JSON.stringify(body);
    const r = await call(m, "POST", "/createpolicy", raw);
    expect(r.status).toBe(200);
    const entry = m.requests()[0];
    expect(entry?.rawBody).toBe(raw);
    expect(entry?.body).toEqual(body);
    const notJson = "plain text ✓ with 'quotes'";
    await call(m, "POST", "/exports", notJson);
    expect(m.requests()[1]?.body).toBe(notJson);
    expect(m.requests()[1]?.rawBody).toBe(notJson);
  });

  it("writes one log line per request", async () => {
    const lines: string[] = [];
    const m = await start({ log: (l) => lines.push(l) });
    await call(m, "POST", "/createpolicy", {});
    await call(m, "GET", "/policy/missing");
    expect(lines[0]).toMatch(/^POST \/createpolicy -> 200 \(\d+ms\)$/);
    expect(lines[1]).toMatch(/^GET \/policy\/missing -> 404 \(\d+ms\)$/);
  });

  it("close() resolves promptly while a request hangs", async () => {
    const m = await start({ scenario: { hangOn: ["get_policy"] } });
    const id = (await call(m, "POST", "/createpolicy", {})).json["policy_id"] as string;
    const pending = fetch(`${m.url}/policy/${id}`).then(
      () => "answered",
      () => "aborted",
    );
    for (let i = 0; i < 100 && m.requests().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const hung = m.requests()[1];
    expect(hung).toMatchObject({ endpoint: "get_policy", status: 0 });
    const t0 = Date.now();
    await m.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBe("aborted");
    api = undefined;
  });

  it("close() resolves promptly during latency and with keep-alive sockets", async () => {
    const m = await start({ scenario: { latencyMs: 10_000 } });
    const pending = fetch(`${m.url}/createpolicy`, { method: "POST", body: "{}" }).then(
      () => "answered",
      () => "aborted",
    );
    for (let i = 0; i < 100 && m.requests().length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await m.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBe("aborted");
    api = undefined;
  });
});

describe("resolveScenario", () => {
  it("defines the required presets", () => {
    expect(SCENARIO_PRESETS["happy"]).toEqual({});
    expect(resolveScenario("slow-ready")).toEqual({ pendingPolls: 2 });
    expect(resolveScenario("never-ready")).toEqual({ pendingPolls: 1000 });
    expect(resolveScenario("terminal-failure")).toEqual({ terminalFailure: true });
    expect(resolveScenario("flaky-5xx")).toEqual({ failFirst: 2 });
    expect(resolveScenario("rate-limited")).toEqual({ failFirst: 1, failStatus: 429, retryAfterS: 1 });
    expect(resolveScenario("invalid-json")).toEqual({ invalidJsonOn: ["create_policy"] });
    expect(resolveScenario("slow")).toEqual({ latencyMs: 200 });
  });

  it("merges a comma list of presets left to right", () => {
    expect(resolveScenario("slow-ready, flaky-5xx,slow")).toEqual({
      pendingPolls: 2,
      failFirst: 2,
      latencyMs: 200,
    });
    expect(resolveScenario("flaky-5xx,rate-limited")).toEqual({
      failFirst: 1,
      failStatus: 429,
      retryAfterS: 1,
    });
    expect(resolveScenario("invalid-json,hang-poll")).toEqual({
      invalidJsonOn: ["create_policy"],
      hangOn: ["get_policy"],
    });
  });

  it("accepts JSON object text and validates it", () => {
    expect(resolveScenario('{"pendingPolls": 4, "requireToken": "t"}')).toEqual({
      pendingPolls: 4,
      requireToken: "t",
    });
    expect(() => resolveScenario('{"pendingPolls": -1}')).toThrow(/pendingPolls/);
    expect(() => resolveScenario('{"invalidJsonOn": ["nope"]}')).toThrow(/nope/);
    expect(() => resolveScenario("{not json")).toThrow(/JSON/);
  });

  it("throws an error listing the presets for an unknown name", () => {
    expect(() => resolveScenario("chaos")).toThrow(/unknown scenario preset "chaos".*happy.*slow-ready/);
    expect(() => resolveScenario("happy,chaos")).toThrow(/rate-limited/);
    expect(() => resolveScenario("")).toThrow(/preset/);
    expect(() => resolveScenario("toString")).toThrow(/unknown scenario preset/);
  });
});
