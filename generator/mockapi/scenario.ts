/**
 * Scenarios of the bundled mock policy API: how it misbehaves (slow readiness,
 * terminal failure, 5xx / 429 bursts, invalid JSON, hangs, latency, auth).
 */

/** Names of the endpoints the mock API serves (used by `invalidJsonOn`, `hangOn` and the request log). */
export const ENDPOINT_NAMES = [
  "create_policy",
  "get_policy",
  "circuit",
  "create_export",
  "get_export",
  "get_manifest",
  "ack_export",
] as const;

export type EndpointName = (typeof ENDPOINT_NAMES)[number];

export interface Scenario {
  /** Each policy/export answers "pending"/"running" this many polls before its ready state. */
  pendingPolls: number;
  /** Polls end in status "failed" (export: state "failed") instead of ready. */
  terminalFailure: boolean;
  /** The first K requests to non-admin endpoints answer `failStatus`. */
  failFirst: number;
  /** Status of injected failures. */
  failStatus: number;
  /** When set, injected failures carry a Retry-After header with this many seconds. */
  retryAfterS?: number;
  /** Delay before every (non-admin, non-health) response. */
  latencyMs: number;
  /** Endpoint names whose responses are invalid JSON text. */
  invalidJsonOn: string[];
  /** When set, every non-admin request must carry `Authorization: Bearer <token>`, else 401. */
  requireToken?: string;
  /** Status returned by a policy poll once it is ready. */
  readyStatus: string;
  /** Endpoint names that never answer (the socket stays open until close). */
  hangOn: string[];
  /** The first K requests never answer (client timeouts); failFirst then counts the requests after them. */
  hangFirst: number;
  /**
   * When set, a request whose body contains this text answers 422 (not retried by clients): one row of a
   * batch fails while the others go through.
   */
  rejectBodyContaining?: string;
}

export const DEFAULT_SCENARIO: Readonly<Scenario> = Object.freeze({
  pendingPolls: 0,
  terminalFailure: false,
  failFirst: 0,
  failStatus: 503,
  latencyMs: 0,
  invalidJsonOn: [],
  readyStatus: "success",
  hangOn: [],
  hangFirst: 0,
});

export const SCENARIO_PRESETS: Record<string, Partial<Scenario>> = {
  happy: {},
  "slow-ready": { pendingPolls: 2 },
  "never-ready": { pendingPolls: 1000 },
  "terminal-failure": { terminalFailure: true },
  "flaky-5xx": { failFirst: 2 },
  "rate-limited": { failFirst: 1, failStatus: 429, retryAfterS: 1 },
  "invalid-json": { invalidJsonOn: ["create_policy"] },
  slow: { latencyMs: 200 },
  "hang-poll": { hangOn: ["get_policy"] },
};

const SCENARIO_KEYS = [
  "pendingPolls",
  "terminalFailure",
  "failFirst",
  "failStatus",
  "retryAfterS",
  "latencyMs",
  "invalidJsonOn",
  "requireToken",
  "readyStatus",
  "hangOn",
  "hangFirst",
  "rejectBodyContaining",
] as const satisfies readonly (keyof Scenario)[];

const ARRAY_KEYS = ["invalidJsonOn", "hangOn"] as const;

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/**
 * Checks a partial scenario (from JSON, the admin endpoint or code) and returns a clean copy.
 * Throws an Error naming every problem. `undefined` values for optional keys are kept (they unset the key).
 */
export function validateScenario(input: unknown): Partial<Scenario> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new Error("scenario must be a JSON object");
  }
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (!(SCENARIO_KEYS as readonly string[]).includes(key)) {
      problems.push(`unknown scenario key "${key}" (known: ${SCENARIO_KEYS.join(", ")})`);
      continue;
    }
    const k = key as (typeof SCENARIO_KEYS)[number];
    switch (k) {
      case "pendingPolls":
      case "hangFirst":
      case "failFirst":
      case "latencyMs":
        if (!isNonNegativeInt(value)) problems.push(`${k} must be a non-negative integer`);
        else out[k] = value;
        break;
      case "failStatus":
        if (!Number.isInteger(value) || (value as number) < 100 || (value as number) > 599) {
          problems.push("failStatus must be an HTTP status code (100-599)");
        } else out[k] = value;
        break;
      case "retryAfterS":
        if (value !== undefined && value !== null && !isNonNegativeInt(value)) {
          problems.push("retryAfterS must be a non-negative integer");
        } else out[k] = value ?? undefined;
        break;
      case "terminalFailure":
        if (typeof value !== "boolean") problems.push("terminalFailure must be a boolean");
        else out[k] = value;
        break;
      case "readyStatus":
        if (typeof value !== "string" || value === "")
          problems.push("readyStatus must be a non-empty string");
        else out[k] = value;
        break;
      case "requireToken":
      case "rejectBodyContaining":
        if (value !== undefined && value !== null && (typeof value !== "string" || value === "")) {
          problems.push(`${k} must be a non-empty string`);
        } else out[k] = value ?? undefined;
        break;
      case "invalidJsonOn":
      case "hangOn": {
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
          problems.push(`${k} must be an array of endpoint names`);
          break;
        }
        const unknown = value.filter((v) => !(ENDPOINT_NAMES as readonly string[]).includes(v));
        if (unknown.length > 0) {
          problems.push(
            `${k}: unknown endpoint name(s) ${unknown.map((u) => `"${u}"`).join(", ")} (known: ${ENDPOINT_NAMES.join(", ")})`,
          );
        } else out[k] = [...value];
        break;
      }
    }
  }
  if (problems.length > 0) throw new Error(`invalid scenario: ${problems.join("; ")}`);
  return out as Partial<Scenario>;
}

/** Merges partial scenarios left to right; `invalidJsonOn` and `hangOn` are unioned. */
export function mergeScenarios(...parts: Partial<Scenario>[]): Partial<Scenario> {
  const out: Partial<Scenario> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if ((ARRAY_KEYS as readonly string[]).includes(key)) {
        const k = key as (typeof ARRAY_KEYS)[number];
        out[k] = [...new Set([...(out[k] ?? []), ...(value as string[])])];
      } else {
        (out as Record<string, unknown>)[key] = value;
      }
    }
  }
  return out;
}

/** Fills in defaults; array fields are copied. */
export function fullScenario(partial: Partial<Scenario>): Scenario {
  const s: Scenario = { ...DEFAULT_SCENARIO, ...partial } as Scenario;
  s.invalidJsonOn = [...(partial.invalidJsonOn ?? DEFAULT_SCENARIO.invalidJsonOn)];
  s.hangOn = [...(partial.hangOn ?? DEFAULT_SCENARIO.hangOn)];
  if (s.retryAfterS === undefined) delete s.retryAfterS;
  if (s.requireToken === undefined) delete s.requireToken;
  if (s.rejectBodyContaining === undefined) delete s.rejectBodyContaining;
  return s;
}

/**
 * Resolves a `--scenario` argument: a preset name, a comma-separated list of presets (merged left to
 * right), or a JSON object text. Throws an Error listing the presets for an unknown name.
 */
export function resolveScenario(nameOrJson: string): Partial<Scenario> {
  const text = nameOrJson.trim();
  const presetList = Object.keys(SCENARIO_PRESETS).join(", ");
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`scenario is not valid JSON: ${(e as Error).message}`);
    }
    return validateScenario(parsed);
  }
  const names = text
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (names.length === 0) throw new Error(`empty scenario; use a preset (${presetList}) or a JSON object`);
  const parts: Partial<Scenario>[] = [];
  for (const name of names) {
    const preset = Object.prototype.hasOwnProperty.call(SCENARIO_PRESETS, name)
      ? SCENARIO_PRESETS[name]
      : undefined;
    if (preset === undefined) {
      throw new Error(`unknown scenario preset "${name}"; presets: ${presetList} (or a JSON object)`);
    }
    parts.push(preset);
  }
  return mergeScenarios(...parts);
}
