import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../generator/errors.ts";
import { parseSpec, RESERVED_STATE_COLUMNS, STARTER_SPEC, type Spec } from "../../generator/spec/index.ts";

const dir = new URL("../fixtures/good-specs/", import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

function parseClean(text: string, file: string): Spec {
  const { spec, diagnostics } = parseSpec(text, file);
  expect(diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
  expect(spec).toBeDefined();
  return spec!;
}

const load = (name: string) => parseClean(readFileSync(new URL(name, dir), "utf8"), `good-specs/${name}`);

describe("good specs", () => {
  it.each(fixtures)("%s parses with zero diagnostics", (file) => {
    load(file);
  });

  it("applies every default (minimal.yaml)", () => {
    const spec = load("minimal.yaml");
    expect(spec.project).toEqual({
      name: "tiny",
      targets: ["duckdb"],
      duckdb: { path: "gen.duckdb" },
      snowflake: {},
    });
    expect(spec.connections.api).toEqual({
      base_url: "https://api.example.com/v1",
      headers: {},
      timeout_s: 30,
      retry: { max_attempts: 3, backoff_s: 1, max_backoff_s: 30, on: ["connect", "timeout", "429", "5xx"] },
    });
    const wf = spec.workflows[0]!;
    expect(wf.modes).toEqual(["stateful", "stateless"]);
    expect(wf.tags).toEqual([]);
    expect(wf.input).toEqual({});
    expect(wf.state).toEqual({
      table: "ping_state",
      attempt_log_table: "ping_attempts",
      input_column: "input_data",
      retention_days: 7,
      archive: false,
      archive_table: null,
      attempt_log_archive_table: null,
      stuck_after_hours: 1,
      lease_minutes: 30,
    });
    const step = wf.steps[0]!;
    expect(step.request).toEqual({ connection: "api", method: "GET", path: "/ping" });
    expect(step.outputs).toEqual({});
    expect(step.poll).toBeUndefined();
    expect(step.response_column).toBe("call_response");
    expect(step.flags).toEqual({ on_start: [], on_success: [] });
    expect(spec.auto_restart).toBeUndefined();
  });

  it("reads the DESIGN.md example (policy.yaml) with poll defaults and 429 as a string", () => {
    const spec = load("policy.yaml");
    expect(spec.connections.policy_api?.retry.on).toEqual(["connect", "timeout", "429", "5xx"]);
    const [create, poll, trigger] = spec.workflows[0]!.steps;
    expect(create?.request.body).toBe("${input}");
    expect(create?.outputs).toEqual({ policy_id: "$.policy_id", api_execution_id: "$.execution_id" });
    expect(poll?.poll).toEqual({
      status: "$.status",
      success: ["success", "completed", "active", "ready"],
      pending: ["pending", "processing"],
      failure: ["failed", "error"],
      max_attempts: 3,
      interval_s: 2,
      backoff: "exponential",
      max_interval_s: 60,
      timeout_s: 300,
    });
    expect(trigger?.response_column).toBe("trigger_circuit_breaker_response");
    expect(spec.workflows[0]!.state.attempt_log_table).toBe("policy_execution_attempts");
    expect(spec.auto_restart).toEqual({
      max_retries: 3,
      max_age_hours: 24,
      max_run_hours: 4,
      run_log_table: "dbt_run_log",
      model_log_table: "dbt_model_log",
      tasks: [
        { name: "O2C_DAILY_BUILD", schedule: "USING CRON 0 6 * * * UTC", args: "build" },
        { name: "O2C_HOURLY_INCREMENTAL", schedule: "60 MINUTE", args: "run --select tag:hourly" },
      ],
    });
  });

  it("reads a spec with only project and auto_restart (a package for an existing dbt project)", () => {
    const { spec, diagnostics } = parseSpec(
      "version: 1\nproject: { name: audit }\nauto_restart: { schema: EDW.O2C_AUDIT, run_log_table: gen_run_log }\n",
      "auto_restart.yaml",
    );
    expect(diagnostics).toEqual([]);
    expect(spec?.workflows).toEqual([]);
    expect(spec?.connections).toEqual({});
    expect(spec?.auto_restart).toMatchObject({
      schema: "EDW.O2C_AUDIT",
      run_log_table: "gen_run_log",
      model_log_table: "dbt_model_log",
    });
  });

  it("keeps hostile strings verbatim and applies merge keys (multi.yaml)", () => {
    const spec = load("multi.yaml");
    expect(spec.project.description).toBe("Quotes ' \" and {{ jinja }} and {% if %} and $$ stay text");
    expect(spec.connections.key_api?.headers["User-Agent"]).toBe("gen/1 (été ☃ 🚀)");
    const push = spec.workflows[0]!.steps[1]!;
    expect(push.poll).toMatchObject({
      status: "$.state",
      success: ["done", 200],
      max_attempts: 5,
      backoff: "exponential",
    });
    expect(push.request.body).toMatchObject({ literal: "$${input} {{ x }} {% y %} $$ \\ \n line" });
    expect(spec.connections.basic_api?.auth).toEqual({
      type: "basic",
      username: "svc",
      password: "${secret.BASIC_PASSWORD}",
    });
    expect(spec.workflows[1]!.input).toBe("plain text input");
    expect(spec).not.toHaveProperty("x-poll");
  });
});

describe("STARTER_SPEC", () => {
  it("parses with zero diagnostics", () => {
    parseClean(STARTER_SPEC, "gen.yaml");
  });

  it("reproduces the seed's state table: input, response and flag columns", () => {
    const wf = parseClean(STARTER_SPEC, "gen.yaml").workflows[0]!;
    expect(wf.state.table).toBe("policy_execution_state");
    expect(wf.state.input_column).toBe("policy_data");
    expect(wf.steps.map((s) => s.response_column)).toEqual([
      "api_response",
      "policy_status_response",
      "circuit_breaker_response",
    ]);
    const flags = [...new Set(wf.steps.flatMap((s) => [...s.flags.on_start, ...s.flags.on_success]))].sort();
    expect(flags).toEqual([
      "circuit_breaker_completed",
      "circuit_breaker_initiated",
      "requires_circuit_breaker",
    ]);
    expect(wf.steps.flatMap((s) => Object.keys(s.outputs))).toContain("policy_id");
    expect(RESERVED_STATE_COLUMNS).toContain("poll_count");
  });

  it("has a comment on every top-level section and every step", () => {
    const lines = STARTER_SPEC.split("\n");
    const commented = (i: number) => lines[i - 1]?.trimStart().startsWith("#") || lines[i]?.includes("#");
    for (const [i, line] of lines.entries()) {
      if (/^[a-z_]+:/.test(line) || /^ {6}- name:/.test(line)) expect(commented(i), line).toBe(true);
    }
  });
});
