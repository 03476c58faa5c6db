/**
 * The bundled mock policy API (node:http only). Serves the policy flow of specs/policy.yaml
 * (create policy, poll, circuit breaker), a data-export flow, health and admin endpoints,
 * and injects faults according to a Scenario.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  type EndpointName,
  type Scenario,
  fullScenario,
  resolveScenario,
  validateScenario,
} from "./scenario.js";

export interface RequestLogEntry {
  seq: number;
  /** ISO time of arrival. */
  at: string;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Endpoint name or "unknown". */
  endpoint: string;
  /** Lower-case names, raw values (repeated headers joined with ", "). */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it is not JSON, or null when the body is empty. */
  body: unknown;
  rawBody: string;
  /** Status sent; 0 while no response was sent (a hanging request). */
  status: number;
  idempotentReplay: boolean;
}

export interface MockApi {
  url: string;
  port: number;
  requests(): RequestLogEntry[];
  setScenario(s: Partial<Scenario>): void;
  reset(): void;
  close(): Promise<void>;
}

export interface MockApiOptions {
  /** 0 = ephemeral (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  scenario?: Partial<Scenario>;
  /** One line per request: `METHOD path -> status (ms)`. */
  log?: (line: string) => void;
}

interface Reply {
  status: number;
  /** Serialised body (sent as is). */
  text: string;
  headers?: Record<string, string>;
}

interface StoredPolicy {
  id: string;
  executionId: string;
  request: unknown;
  polls: number;
  createdAt: string;
}

interface StoredExport {
  id: string;
  state: "queued" | "running" | "done" | "failed";
  polls: number;
  request: unknown;
  acknowledged: boolean;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const INVALID_JSON_TEXT = '{"policy_id": "broken';
/** When a ready policy says it became ready: a fixed instant, so that typed outputs have a known value. */
const READY_AT = "2026-01-15T10:30:00Z";

function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined
    ? { status, text: JSON.stringify(body) }
    : { status, text: JSON.stringify(body), headers };
}

function errorReply(status: number, error: string, message: string): Reply {
  return json(status, { error, message });
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** YYYYMMDD_HHMMSS in UTC. */
function stamp(d: Date): string {
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}_` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`
  );
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

function collectHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? "").toLowerCase();
    const value = raw[i + 1] ?? "";
    const prev = out[name];
    out[name] = prev === undefined ? value : `${prev}, ${value}`;
  }
  return out;
}

function parseBody(raw: string): unknown {
  if (raw === "") return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

interface Route {
  endpoint: EndpointName;
  params: string[];
}

function matchRoute(method: string, path: string): Route | undefined {
  const segs = path.split("/").slice(1);
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const [a, b, c] = segs;
  if (segs.length === 1 && method === "POST" && a === "createpolicy") {
    return { endpoint: "create_policy", params: [] };
  }
  if (segs.length === 2 && method === "GET" && a === "policy" && b) {
    return { endpoint: "get_policy", params: [decode(b)] };
  }
  if (segs.length === 1 && method === "POST" && a === "circuit") return { endpoint: "circuit", params: [] };
  if (a === "exports") {
    if (segs.length === 1 && method === "POST") return { endpoint: "create_export", params: [] };
    if (segs.length === 2 && method === "GET" && b) return { endpoint: "get_export", params: [decode(b)] };
    if (segs.length === 3 && b && method === "GET" && c === "manifest") {
      return { endpoint: "get_manifest", params: [decode(b)] };
    }
    if (segs.length === 3 && b && method === "POST" && c === "ack") {
      return { endpoint: "ack_export", params: [decode(b)] };
    }
  }
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<{ raw: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve({ raw: new TextDecoder("utf-8").decode(Buffer.concat(chunks)), tooLarge }));
    req.on("error", reject);
  });
}

/** Starts the mock API. Resolves once it listens. */
export function startMockApi(options: MockApiOptions = {}): Promise<MockApi> {
  const host = options.host ?? "127.0.0.1";
  const initialScenario = fullScenario(validateScenario(options.scenario ?? {}));
  const log = options.log;

  let scenario: Scenario = fullScenario(initialScenario);
  let requestLog: RequestLogEntry[] = [];
  let seq = 0;
  let faultCounter = 0;
  let policies = new Map<string, StoredPolicy>();
  let exports = new Map<string, StoredExport>();
  let idempotency = new Map<string, Reply>();
  let closed = false;
  const timers = new Map<NodeJS.Timeout, () => void>();
  const hanging = new Set<http.ServerResponse>();

  function setScenario(s: Partial<Scenario>): Scenario {
    const patch = validateScenario(s);
    scenario = fullScenario({ ...scenario, ...patch });
    // Setting failFirst arms a new burst: the next K requests fail.
    if (
      Object.prototype.hasOwnProperty.call(patch, "failFirst") ||
      Object.prototype.hasOwnProperty.call(patch, "hangFirst")
    )
      faultCounter = 0;
    return scenario;
  }

  function reset(): void {
    requestLog = [];
    seq = 0;
    faultCounter = 0;
    policies = new Map();
    exports = new Map();
    idempotency = new Map();
    scenario = fullScenario(initialScenario);
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.set(t, resolve);
    });
  }

  function send(res: http.ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed || closed) return;
    const body = Buffer.from(reply.text, "utf8");
    res.writeHead(reply.status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(body.length),
      ...reply.headers,
    });
    res.end(body);
  }

  // ---- endpoint handlers ----------------------------------------------------------------

  function handle(route: Route, body: unknown): Reply {
    const id = route.params[0] ?? "";
    switch (route.endpoint) {
      case "create_policy": {
        const now = new Date();
        const policy: StoredPolicy = {
          id: randomUUID(),
          executionId: `exec_${stamp(now)}_${hex(2)}`,
          request: body,
          polls: 0,
          createdAt: now.toISOString(),
        };
        policies.set(policy.id, policy);
        return json(200, {
          policy_id: policy.id,
          execution_id: policy.executionId,
          status: "created",
          message: "Policy created successfully",
        });
      }
      case "get_policy": {
        const policy = policies.get(id);
        if (policy === undefined) return errorReply(404, "not_found", `Policy ${id} not found`);
        policy.polls += 1;
        const poll = policy.polls;
        if (poll <= scenario.pendingPolls) {
          return json(200, {
            policy_id: id,
            status: "pending",
            completed: false,
            message: "Policy is being processed",
            poll,
          });
        }
        if (scenario.terminalFailure) {
          return json(200, {
            policy_id: id,
            status: "failed",
            completed: true,
            message: "Policy creation failed",
            poll,
          });
        }
        // completed (a boolean, as the status API of the policy workflows answers) and typed values for outputs
        return json(200, {
          policy_id: id,
          status: scenario.readyStatus,
          completed: true,
          compliance_score: 99.5,
          ready_at: READY_AT,
          message: "Policy is ready for circuit breaker",
          poll,
        });
      }
      case "circuit": {
        if (!isRecord(body)) {
          return errorReply(400, "bad_request", "Request body must be a JSON object with a policy_id");
        }
        const policyId = body["policy_id"];
        if (typeof policyId !== "string" || policyId === "") {
          return errorReply(400, "bad_request", "policy_id is required");
        }
        if (!policies.has(policyId)) {
          return errorReply(400, "unknown_policy", `Policy ${policyId} does not exist`);
        }
        return json(200, {
          // unique per call, like the policy's id: many breakers start within one second under fan-out
          circuit_breaker_id: `cb_${stamp(new Date())}_${randomUUID().slice(0, 8)}`,
          status: "initiated",
          message: "Circuit breaker initiated successfully",
          policy_id: policyId,
        });
      }
      case "create_export": {
        const exp: StoredExport = {
          id: `exp_${hex(4)}`,
          state: "queued",
          polls: 0,
          request: body,
          acknowledged: false,
        };
        exports.set(exp.id, exp);
        return json(200, {
          export: { id: exp.id, state: exp.state },
          requested_at: new Date().toISOString(),
        });
      }
      case "get_export": {
        const exp = exports.get(id);
        if (exp === undefined) return errorReply(404, "not_found", `Export ${id} not found`);
        if (exp.state === "queued" || exp.state === "running") {
          exp.polls += 1;
          if (exp.polls <= scenario.pendingPolls) exp.state = "running";
          else exp.state = scenario.terminalFailure ? "failed" : "done";
        }
        const progress =
          exp.state === "done"
            ? 100
            : exp.state === "running"
              ? Math.min(99, Math.floor((100 * exp.polls) / (scenario.pendingPolls + 1)))
              : exp.state === "failed"
                ? Math.min(99, Math.floor((100 * (exp.polls - 1)) / (scenario.pendingPolls + 1)))
                : 0;
        return json(200, { export: { id, state: exp.state }, progress });
      }
      case "get_manifest": {
        const exp = exports.get(id);
        if (exp === undefined) return errorReply(404, "not_found", `Export ${id} not found`);
        if (exp.state !== "done") {
          return errorReply(409, "not_ready", `Export ${id} is ${exp.state}, not done`);
        }
        return json(200, manifest(exp));
      }
      case "ack_export": {
        const exp = exports.get(id);
        if (exp === undefined) return errorReply(404, "not_found", `Export ${id} not found`);
        exp.acknowledged = true;
        return json(200, { acknowledged: true, export_id: id });
      }
    }
  }

  function manifest(exp: StoredExport): {
    files: { name: string; rows: number }[];
    row_count: number;
    checksum: string;
  } {
    const req = isRecord(exp.request) ? exp.request : {};
    const parts =
      Number.isInteger(req["parts"]) && (req["parts"] as number) >= 1 && (req["parts"] as number) <= 1000
        ? (req["parts"] as number)
        : 3;
    const rowsPerPart =
      Number.isInteger(req["rows_per_part"]) && (req["rows_per_part"] as number) >= 0
        ? (req["rows_per_part"] as number)
        : 100;
    const files = Array.from({ length: parts }, (_, i) => ({
      name: `part-${String(i + 1).padStart(4, "0")}.csv`,
      rows: rowsPerPart,
    }));
    const rowCount = files.reduce((sum, f) => sum + f.rows, 0);
    const checksum = createHash("sha256")
      .update(JSON.stringify({ id: exp.id, files }))
      .digest("hex");
    return { files, row_count: rowCount, checksum };
  }

  // ---- admin ------------------------------------------------------------------------------

  function handleAdmin(method: string, path: string, body: unknown): Reply {
    if (method === "GET" && path === "/__admin/requests") return json(200, requestLog);
    if (method === "GET" && path === "/__admin/scenario") return json(200, scenario);
    if (method === "POST" && path === "/__admin/scenario") {
      try {
        const patch = typeof body === "string" ? resolveScenario(body) : body === null ? {} : body;
        return json(200, setScenario(patch as Partial<Scenario>));
      } catch (e) {
        return errorReply(400, "bad_scenario", (e as Error).message);
      }
    }
    if (method === "POST" && path === "/__admin/reset") {
      reset();
      return json(200, { ok: true });
    }
    return errorReply(404, "not_found", `No admin endpoint ${method} ${path}`);
  }

  // ---- request pipeline -------------------------------------------------------------------

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://mock.invalid");
    const path = url.pathname;
    res.on("finish", () =>
      log?.(`${method} ${req.url ?? path} -> ${res.statusCode} (${Date.now() - started}ms)`),
    );

    const { raw, tooLarge } = await readBody(req);
    if (closed) return;

    if (path === "/health" && method === "GET") {
      send(res, json(200, { ok: true }));
      return;
    }
    if (path.startsWith("/__admin/")) {
      send(res, handleAdmin(method, path, parseBody(raw)));
      return;
    }

    const route = matchRoute(method, path);
    const headers = collectHeaders(req.rawHeaders);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const entry: RequestLogEntry = {
      seq: ++seq,
      at: new Date(started).toISOString(),
      method,
      path,
      query,
      endpoint: route?.endpoint ?? "unknown",
      headers,
      body: parseBody(raw),
      rawBody: raw,
      status: 0,
      idempotentReplay: false,
    };
    requestLog.push(entry);
    // Fault decisions are taken in arrival order, before any latency.
    const current = scenario;
    faultCounter += 1;
    const injectHang = faultCounter <= current.hangFirst;
    const failureNo = faultCounter - current.hangFirst;
    const injectFailure = !injectHang && failureNo <= current.failFirst;

    const reply = (r: Reply, replay = false): void => {
      entry.status = r.status;
      entry.idempotentReplay = replay;
      send(res, r);
    };

    if (current.latencyMs > 0) await delay(current.latencyMs);
    if (closed) return;

    if (injectFailure) {
      const headersOut: Record<string, string> = {};
      if (current.retryAfterS !== undefined) headersOut["retry-after"] = String(current.retryAfterS);
      const status = current.failStatus;
      const error =
        status === 429 ? "rate_limited" : status >= 500 ? "service_unavailable" : "injected_failure";
      reply(
        json(status, { error, message: `Injected failure ${failureNo} of ${current.failFirst}` }, headersOut),
      );
      return;
    }
    if (current.requireToken !== undefined && headers["authorization"] !== `Bearer ${current.requireToken}`) {
      reply(
        json(
          401,
          { error: "unauthorized", message: "Missing or invalid bearer token" },
          { "www-authenticate": 'Bearer realm="mock-api"' },
        ),
      );
      return;
    }
    if (tooLarge) {
      reply(errorReply(413, "payload_too_large", `Request body exceeds ${MAX_BODY_BYTES} bytes`));
      return;
    }
    if (route === undefined) {
      reply(errorReply(404, "not_found", `No endpoint ${method} ${path}`));
      return;
    }
    if (current.rejectBodyContaining !== undefined && raw.includes(current.rejectBodyContaining)) {
      reply(errorReply(422, "rejected", "Request rejected by the scenario (rejectBodyContaining)"));
      return;
    }
    if (injectHang || current.hangOn.includes(route.endpoint)) {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    if (current.invalidJsonOn.includes(route.endpoint)) {
      reply({ status: 200, text: INVALID_JSON_TEXT });
      return;
    }

    const key = headers["idempotency-key"];
    const idemKey =
      key !== undefined && (method === "POST" || method === "PUT" || method === "PATCH")
        ? `${route.endpoint}\u0000${key}`
        : undefined;
    if (idemKey !== undefined) {
      const stored = idempotency.get(idemKey);
      if (stored !== undefined) {
        reply({ ...stored, headers: { ...stored.headers, "idempotent-replayed": "true" } }, true);
        return;
      }
    }
    const result = handle(route, entry.body);
    if (idemKey !== undefined) idempotency.set(idemKey, result);
    reply(result);
  }

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch((e: unknown) => {
      send(res, errorReply(500, "internal_error", e instanceof Error ? e.message : String(e)));
    });
  });

  return new Promise<MockApi>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once("error", onError);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", onError);
      const port = (server.address() as AddressInfo).port;
      const urlHost = host.includes(":") ? `[${host}]` : host;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${urlHost}:${port}`,
        port,
        requests: () => structuredClone(requestLog),
        setScenario: (s) => {
          setScenario(s);
        },
        reset,
        close: () => {
          closing ??= new Promise<void>((done) => {
            closed = true;
            for (const [t, wake] of timers) {
              clearTimeout(t);
              wake();
            }
            timers.clear();
            for (const res of hanging) res.destroy();
            hanging.clear();
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
