import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSpec } from "../../generator/pipeline.ts";
import { buildPlan, hostPort } from "../../generator/plan/index.ts";
import { compileTemplate, compileValue } from "../../generator/plan/templates.ts";
import { withHeader } from "../../generator/render/header.ts";
import { parseSpec } from "../../generator/spec/index.ts";
import { SEED_STATE_COLUMNS } from "../integration/harness.ts";

const policy = readFileSync("specs/policy.yaml", "utf8");

function plan(text: string) {
  const { spec, diagnostics } = parseSpec(text, "t.yaml");
  if (!spec) throw new Error(JSON.stringify(diagnostics));
  return buildPlan(spec);
}

describe("templates", () => {
  it("compiles references into runtime parts, merging text", () => {
    expect(compileTemplate("/policy/${steps.create_policy.policy_id}/x")).toEqual([
      { text: "/policy/" },
      { ref: ["steps", "create_policy", "policy_id"] },
      { text: "/x" },
    ]);
    expect(compileTemplate("${env.URL:-http://h:1}")).toEqual([{ env: "URL", default: "http://h:1" }]);
    expect(compileTemplate("Bearer ${secret.KEY}")).toEqual([{ text: "Bearer " }, { secret: "KEY" }]);
    expect(compileTemplate("a$${b}")).toEqual([{ text: "a${b}" }]);
  });

  it("keeps reference-free values literal and whole references typed", () => {
    expect(compileValue({ a: [1, "x"], b: null })).toEqual({ literal: { a: [1, "x"], b: null } });
    expect(compileValue("$${not}")).toEqual({ literal: "${not}" });
    expect(compileValue({ l: ["$${x}"] })).toEqual({ literal: { l: ["${x}"] } });
    expect(compileValue("${input}")).toEqual({ value: { ref: ["input"] } });
    expect(compileValue({ id: "${steps.s.o}", n: 1 })).toEqual({
      object: [
        ["id", { value: { ref: ["steps", "s", "o"] } }],
        ["n", { literal: 1 }],
      ],
    });
    // a secret is never a typed value: it stays a placeholder inside a string
    expect(compileValue("${secret.K}")).toEqual({ string: [{ secret: "K" }] });
  });

  it("derives host:port for the network rule from the URL default", () => {
    expect(hostPort("${env.X:-https://api.example.com/v1}")).toBe("api.example.com:443");
    expect(hostPort("http://127.0.0.1:8787")).toBe("127.0.0.1:8787");
    expect(hostPort("${env.X}")).toBeNull();
  });
});

describe("plan of specs/policy.yaml", () => {
  const p = plan(policy);
  const wf = p.workflows[0]!;

  it("reproduces the seed's state table, column for column, plus the generic columns", () => {
    const seed = SEED_STATE_COLUMNS;
    const names = wf.stateColumns.map((c) => c.name);
    for (const c of seed) expect(names).toContain(c);
    expect(names.filter((n) => !seed.includes(n)).sort()).toEqual(
      [
        "api_execution_id",
        "current_step",
        "end_time",
        "lease_expires_at",
        "lease_owner",
        "steps_completed",
        "workflow",
      ].sort(),
    );
    expect(wf.stateColumns.find((c) => c.name === "policy_data")?.type).toBe("json");
  });

  it("gives the runtime and sync the documented column lists", () => {
    const nameAndType = (cols: { name: string; type: string }[]) =>
      cols.map(({ name, type }) => ({ name, type }));
    expect(nameAndType(wf.definition.columns.state)).toEqual(nameAndType(wf.stateColumns));
    expect(nameAndType(wf.definition.columns.attempts)).toEqual(nameAndType(wf.attemptColumns));
    expect(nameAndType(wf.definition.columns.result)).toEqual(nameAndType(wf.resultColumns));
    const state = wf.definition.columns.state;
    expect(state[0]).toEqual({ name: "execution_id", type: "string", not_null: true });
    expect(state.find((c) => c.name === "status")).toEqual({
      name: "status",
      type: "string",
      default: "pending",
    });
    expect(state.find((c) => c.name === "requires_circuit_breaker")).toMatchObject({ default: false });
    const synced = p.project.sync!.tables[0]!;
    expect(synced.state.columns).toEqual(nameAndType(wf.stateColumns));
    expect(synced.attempts.columns).toEqual(nameAndType(wf.attemptColumns));
  });

  it("names every artefact from the spec", () => {
    expect(wf.names).toMatchObject({
      statefulModel: "stateful_policy_execution",
      statelessModel: "stateless_policy_execution",
      runOperation: "run_policy_execution",
      getStateOperation: "get_policy_execution_state",
      dropOperation: "drop_policy_execution_objects",
    });
    expect(wf.statusValues).toEqual(["pending", "policy_created", "policy_ready", "completed", "error"]);
    expect(p.project.secrets).toEqual(["POLICY_API_KEY"]);
    expect(p.project.envVars).toEqual([
      { name: "POLICY_API_ENDPOINT", default: "https://dbttest.free.beeceptor.com" },
    ]);
    expect(p.project.snowflake.hosts).toEqual(["dbttest.free.beeceptor.com:443"]);
    expect(p.project.snowflake.objects).toMatchObject({
      procedure: "EDW.O2C_AUDIT.POLICY_WORKFLOWS_HTTP_REQUEST",
      networkRule: "EDW.O2C_AUDIT.POLICY_WORKFLOWS_API_EGRESS",
      integration: "POLICY_API_ACCESS",
      secrets: [{ name: "POLICY_API_KEY", object: "EDW.O2C_AUDIT.POLICY_API_KEY" }],
      dbtProject: "EDW.O2C_AUDIT.DBT_O2C_ENHANCED",
    });
  });

  it("gives every mutating request an idempotency key, and none to reads", () => {
    const [create, poll, circuit] = wf.definition.steps;
    expect(create!.idempotency_key).toEqual([{ ref: ["execution", "id"] }]); // set in the spec
    expect(poll!.idempotency_key).toBeNull();
    expect(circuit!.idempotency_key).toEqual([
      { ref: ["execution", "id"] },
      { text: ":trigger_circuit_breaker" },
    ]);
  });

  it("emits stateful artefacts only for workflows with the stateful mode", () => {
    const statelessOnly = plan(policy.replace("modes: [stateful, stateless]", "modes: [stateless]"));
    const paths = statelessOnly.files.map((f) => f.path);
    expect(paths).toContain("models/policy_execution/stateless_policy_execution.sql");
    expect(paths.some((x) => /stateful_|_success_rate|get_policy|cleanup_policy/.test(x))).toBe(false);
    expect(p.files.map((f) => f.path)).toContain("models/policy_execution/stateful_policy_execution.sql");
  });
});

describe("sync: which workflows", () => {
  const spec = (sync: string, flag = "") =>
    [
      "version: 1",
      "project: { name: p, targets: [duckdb] }",
      "connections: { api: { base_url: http://127.0.0.1:8787 } }",
      "workflows:",
      `- { name: first, ${flag} steps: [{ name: a, request: { connection: api, path: /a } }] }`,
      "- { name: second, steps: [{ name: a, request: { connection: api, path: /a } }] }",
      "- { name: third, modes: [stateless], steps: [{ name: a, request: { connection: api, path: /a } }] }",
      sync,
    ].join("\n");
  const synced = (text: string) => plan(text).project.sync!.tables.map((t) => t.workflow);

  it("every stateful workflow by default, only the listed ones with sync.workflows", () => {
    expect(synced(spec("sync: {}"))).toEqual(["first", "second"]);
    expect(synced(spec("sync: { workflows: [second] }"))).toEqual(["second"]);
  });

  it("a workflow's sync: false leaves it out", () => {
    expect(synced(spec("sync: {}", "sync: false,"))).toEqual(["second"]);
    expect(plan(spec("sync: {}", "sync: false,")).project.sync!.tables[0]!.definitionMacro).toBe(
      "second__definition",
    );
  });
});

describe("auto-restart artefacts", () => {
  const AUTO_RESTART = [
    "macros/gen/gen_restart_settings.sql",
    "macros/gen/restart/gen_restart_plan.sql",
    "macros/gen/restart/gen_run_log_end.sql",
    "macros/gen/restart/gen_run_log_start.sql",
    "models/auto_restart/gen_restart_plan.sql",
    "models/auto_restart/schema.yml",
    "models/auto_restart/v_auto_restart_history.sql",
    "snowflake/07_auto_restart.sql",
  ];
  const file = (files: { path: string; content: string }[] | undefined, path: string) =>
    files?.find((f) => f.path === path)?.content ?? "";

  it("come with the spec's auto_restart block: run hooks, plan, procedure and tasks with its limits", () => {
    const files = compileSpec(
      policy.replace("max_retries: 3", "max_retries: 5").replace("max_age_hours: 24", "max_age_hours: 6.5"),
      "specs/policy.yaml",
    ).files;
    expect(files?.map((f) => f.path)).toEqual(expect.arrayContaining(AUTO_RESTART));
    expect(file(files, "dbt_project.yml")).toContain('on-run-end:\n  - "{{ gen_run_log_end(results) }}"');
    const settings = file(files, "macros/gen/gen_restart_settings.sql");
    expect(settings).toContain("var('gen_restart_max_retries', 5)");
    expect(settings).toContain("var('gen_restart_max_age_hours', 6.5)");
    const setup = file(files, "snowflake/07_auto_restart.sql");
    expect(setup).toContain("CREATE OR REPLACE PROCEDURE EDW.O2C_AUDIT.RUN_DBT_AUTO_RESTART(");
    // the procedure reads the plan view in the schema the project builds into, by default the spec's
    expect(setup).toContain('DEFAULT_DATABASE = "EDW"\nDEFAULT_SCHEMA = "O2C_AUDIT"');
    expect(setup).toContain('PLAN_VIEW = "GEN_RESTART_PLAN"');
    expect(setup).toContain(
      "CALL EDW.O2C_AUDIT.RUN_DBT_AUTO_RESTART('EDW.O2C_AUDIT.DBT_O2C_ENHANCED', 'run --select tag:hourly');",
    );
    expect(setup.match(/^ALTER TASK \S+ RESUME;$/gm)).toHaveLength(2);
  });

  it("are left out without the block: no hooks, no plan, no procedure", () => {
    const without = policy.slice(0, policy.indexOf("\nauto_restart:") + 1);
    expect(without).not.toContain("auto_restart");
    const files = compileSpec(without, "specs/policy.yaml").files;
    expect(files?.length).toBeGreaterThan(20);
    expect(files?.filter((f) => AUTO_RESTART.includes(f.path))).toEqual([]);
    expect(file(files, "dbt_project.yml")).not.toMatch(/on-run-(start|end)/);
  });
});

describe("render", () => {
  it("leaves no nunjucks syntax in the output and only escaped spec values", () => {
    const r = compileSpec(policy, "specs/policy.yaml");
    expect(r.files?.length).toBeGreaterThan(20);
    for (const f of r.files ?? []) {
      expect(f.content, f.path).not.toMatch(/<<|<%|<#/); // openers of the nunjucks delimiters
      expect(f.content.endsWith("\n")).toBe(true);
    }
    const duckdbOnly = compileSpec(policy, "specs/policy.yaml", { targets: ["duckdb"] });
    expect(duckdbOnly.files?.some((f) => f.path.startsWith("snowflake/"))).toBe(false);
  });

  it("emits the HTTP primitive byte for byte, as a plugin file (below its header) and inside the Snowflake procedure", () => {
    const core = readFileSync("runtime/plugins/gen_http_core.py", "utf8");
    const { files = [], plan } = compileSpec(policy, "specs/policy.yaml");
    expect(files.find((f) => f.path === "plugins/gen_http_core.py")?.content).toBe(
      withHeader("plugins/gen_http_core.py", core, {
        genVersion: plan?.project.genVersion ?? "",
        specFile: "policy.yaml",
      }),
    );
    const procedure =
      files.find((f) => f.path === "snowflake/04_gen_http_request_procedure.sql")?.content ?? "";
    expect(procedure).toContain(core);
  });

  it("is deterministic", () => {
    const a = compileSpec(policy, "specs/policy.yaml").files;
    const b = compileSpec(policy, "specs/policy.yaml").files;
    expect(a).toEqual(b);
  });
});

describe("the plan's dependencies", () => {
  const GENERATOR = resolve("generator");
  /** The modules a file imports (`import`/`export ... from`, side-effect and dynamic imports); type-only ones apart. */
  function importsOf(file: string): { values: string[]; types: string[] } {
    const text = readFileSync(file, "utf8");
    const values: string[] = [];
    const types: string[] = [];
    for (const m of text.matchAll(
      /^\s*(?:import|export)\s+(type\s+)?(?:[^;]*?\s+from\s+)?["']([^"']+)["']/gm,
    ))
      (m[1] ? types : values).push(m[2] as string);
    for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) values.push(m[1] as string);
    const local = (xs: string[]) => xs.filter((x) => x.startsWith(".")).map((x) => resolve(dirname(file), x));
    return { values: local(values), types: local(types) };
  }
  const forbidden = (path: string) => {
    const rel = relative(GENERATOR, path).split("\\").join("/");
    return rel.startsWith("render/") || rel === "spec/rules.ts";
  };

  it("never reach the renderer or the spec rules, directly or through another module", () => {
    const planFiles = readdirSync(join(GENERATOR, "plan"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(GENERATOR, "plan", f));
    expect(planFiles.length).toBeGreaterThan(3);
    const problems: string[] = [];
    const seen = new Set<string>();
    const queue = planFiles.map((f) => ({ file: f, via: [relative(GENERATOR, f)] }));
    for (const f of planFiles) {
      // not even a type may come from them: the plan is what the renderer reads, not the other way round
      for (const t of importsOf(f).types)
        if (forbidden(t))
          problems.push(`${relative(GENERATOR, f)} imports a type from ${relative(GENERATOR, t)}`);
    }
    while (queue.length > 0) {
      const { file, via } = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const dep of importsOf(file).values) {
        const chain = [...via, relative(GENERATOR, dep)];
        if (forbidden(dep)) problems.push(chain.join(" -> "));
        else queue.push({ file: dep, via: chain });
      }
    }
    expect(seen.size).toBeGreaterThan(planFiles.length); // it did follow imports out of plan/
    expect(problems).toEqual([]);
  });
});
