/**
 * RUN_DBT_AUTO_RESTART, the procedure the auto-restart tasks call, run offline: its own Python handler (the body
 * of snowflake/07_auto_restart.sql) with SQL on fakesnow and EXECUTE DBT PROJECT routed to the pinned dbt
 * (native_dbt.py restart steps). User models next to the generated ones fail while a control table says so.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockApi, type MockApi } from "../../generator/mockapi/index.ts";
import { execa } from "execa";
import { VENVS } from "../../generator/dbt/index.ts";
import { build, HERE, removeTempDirs, requireNativeVenv, runNative, SPECS, withEndpoint } from "./helpers.ts";

afterAll(removeTempDirs);

type Row = Record<string, unknown>;
interface Execution {
  args: string[];
  dbt_version: string | null;
  success: boolean;
  results: { unique_id: string; status: string }[];
}
interface StepReport {
  step: { restart?: [string, string]; query?: string; sql?: string; dbt?: string[] };
  success: boolean;
  returned?: string;
  error?: string;
  executions?: Execution[];
  rows?: Row[];
}

const SCHEMA = "EDW.O2C_AUDIT";
const CONTROL = `${SCHEMA}.MINE_CONTROL`;
/** the daily task's command: its own selection and flags, which a retry must keep */
const DAILY = "build --select tag:mine --full-refresh --vars '{mine_flag: 7}'";

function addUserModels(dir: string): void {
  const models = join(dir, "models", "mine");
  mkdirSync(models, { recursive: true });
  const fragile = (name: string, tag: string) =>
    writeFileSync(
      join(models, `${name}.sql`),
      `{{ config(materialized='table', tags=['${tag}']) }}\n` +
        `select cast(v as integer) as x from ${CONTROL} where name = '${name}'\n`,
    );
  fragile("mine_fragile", "mine");
  writeFileSync(
    join(models, "mine_child.sql"),
    "{{ config(materialized='table', tags=['mine']) }}\n" +
      "select x + 1 as y, {{ var('mine_flag', 0) }} as flag from {{ ref('mine_fragile') }}\n",
  );
  // downstream of the failure but outside the daily command's selection: a retry must not run it
  writeFileSync(join(models, "mine_grandchild.sql"), "select y from {{ ref('mine_child') }}\n");
  writeFileSync(join(models, "mine_ok.sql"), "{{ config(tags=['other']) }}\nselect 42 as answer\n");
  // --fail-fast: ff_a_bad fails first (one thread, name order), ff_b_ok is cancelled
  fragile("ff_a_bad", "ff");
  writeFileSync(join(models, "ff_b_ok.sql"), "{{ config(tags=['ff']) }}\nselect 1 as ok\n");
}

const setControl = (name: string, v: string) => ({
  sql: `update ${CONTROL} set v = '${v}' where name = '${name}'`,
});

describe("RUN_DBT_AUTO_RESTART on fakesnow, EXECUTE DBT PROJECT running the pinned dbt", () => {
  let api: MockApi;
  let steps: StepReport[];
  let stdout: string;
  const restart = (label: string): StepReport => {
    const s = steps.find((st) => st.step.restart && st.step.query === label);
    if (!s) throw new Error(`no restart step ${label}`);
    return s;
  };
  const rows = (label: string): Row[] => {
    const s = steps.find((st) => !st.step.restart && st.step.query === label);
    expect(s?.error, label).toBeUndefined();
    return s?.rows ?? [];
  };
  const ran = (e: Execution | undefined) =>
    (e?.results ?? [])
      .filter((r) => r.unique_id.startsWith("model.") && r.status !== "skipped")
      .map((r) => r.unique_id.split(".").pop());
  const call = (label: string, fullArgs: string) => ({
    query: label,
    restart: ["EDW.O2C_AUDIT.POLICY_WORKFLOWS", fullArgs],
  });

  beforeAll(async () => {
    requireNativeVenv();
    api = await startMockApi({ port: 0 });
    const project = build({
      text: withEndpoint(readFileSync(SPECS[0] as string, "utf8"), api.url),
      name: "policy.yaml",
    });
    addUserModels(project.dir);
    ({
      report: { steps },
      stdout,
    } = await runNative<{ steps: StepReport[] }>(project, {
      database: "EDW",
      schema: "O2C_AUDIT",
      mockUrl: api.url,
      secrets: {},
      steps: [
        { sql: `create table ${CONTROL} (name varchar, v varchar)` },
        { sql: `insert into ${CONTROL} values ('mine_fragile', 'boom'), ('ff_a_bad', 'boom')` },
        // 1. before the first run: no plan view, so the full command; dbt fails, so the call raises
        call("first", DAILY),
        { dbt: ["run", "--select", "gen_restart_plan"] },
        { query: "plan_after_failure", sql: `select * from ${SCHEMA}.gen_restart_plan order by restart_key` },
        // 2. another command (the hourly task) has its own plan: it does not retry the daily failure
        call("other_command", "run --select tag:other"),
        // 3. the daily command again, fixed: a retry of its failed nodes within its own selection, flags kept
        setControl("mine_fragile", "1"),
        call("retry", DAILY),
        { query: "child", sql: `select y, flag from ${SCHEMA}.mine_child` },
        // 4. a run in progress (no end, started now): the call skips and records why
        {
          sql:
            `insert into ${SCHEMA}.dbt_run_log (run_id, project_name, command, status, run_started_at, restart_key)` +
            " select 'still-running', 'policy_workflows', 'build', 'RUNNING', sysdate(), 'build'",
        },
        call("in_progress", DAILY),
        {
          query: "skipped_rows",
          sql: `select status, restart_key, note from ${SCHEMA}.dbt_run_log where status = 'SKIPPED'`,
        },
        // older than max_run_hours (4): taken as dead, the call runs
        {
          sql: `update ${SCHEMA}.dbt_run_log set run_started_at = dateadd(hour, -5, sysdate()) where run_id = 'still-running'`,
        },
        call("after_stale_run", DAILY),
        // 5. --fail-fast: the node it cancelled is retried with the failed one
        call("fail_fast", "build --select tag:ff --fail-fast"),
        {
          query: "ff_plan",
          sql: `select selector from ${SCHEMA}.gen_restart_plan where restart_key = 'build --select tag:ff --fail-fast'`,
        },
        setControl("ff_a_bad", "1"),
        call("fail_fast_retry", "build --select tag:ff --fail-fast"),
        // 6. a plan view that cannot be read (a wrong column) raises instead of running a full build
        { sql: `create or replace view ${SCHEMA}.gen_restart_plan as select 1 as unrelated` },
        call("unreadable_plan", DAILY),
        // 7. --vars moves the schema the project builds into: the plan is read there (not the broken view)
        { sql: "create schema EDW.MOVED" },
        call("moved_schema", "run --select gen_restart_plan --vars '{snowflake_schema: MOVED}'"),
        call("moved_schema_again", "run --select gen_restart_plan --vars '{snowflake_schema: MOVED}'"),
      ],
    }));
  }, 600_000);

  afterAll(async () => {
    await api?.close();
  });

  it("dbt failure raises (short, no arguments), and without a plan view the call runs the full command", () => {
    const first = restart("first");
    expect(first.success).toBe(false);
    expect(first.error).toBe(
      "AutoRestartError: dbt build failed (FULL BUILD of policy_workflows): see DBT_RUN_LOG and DBT_MODEL_LOG in EDW.O2C_AUDIT",
    );
    expect(first.executions).toHaveLength(1);
    const [args] = (first.executions ?? []).map((e) => e.args);
    expect(args?.slice(0, 4)).toEqual(["build", "--full-refresh", "--select", "tag:mine"]);
    expect(JSON.parse(args?.at(-1) as string)).toEqual({
      mine_flag: 7,
      gen_restart_key: "build --select tag:mine --full-refresh --vars '{mine_flag: 7}'",
      gen_restart_retry: 0,
    });
    expect(first.executions?.[0]?.dbt_version).toBe("1.10.15");
    expect(first.executions?.[0]?.success).toBe(false);
  });

  it("the plan is per command: the daily command's failure is its own", () => {
    const plans = rows("plan_after_failure");
    expect(plans.map((p) => [p.RESTART_KEY, p.VERDICT, p.SELECTOR])).toEqual([
      [DAILY, "retry", "mine_fragile+"],
      ["run --select gen_restart_plan", "succeeded", null],
    ]);
    const other = restart("other_command");
    expect(other.success, other.error).toBe(true);
    expect(other.returned).toMatch(/^FULL BUILD: dbt run succeeded \(no earlier run of this command\)/);
    expect(other.executions?.[0]?.args.slice(0, 3)).toEqual(["run", "--select", "tag:other"]);
  });

  it("a retry replays the failed command, flags kept, narrowed to the failed nodes within its selection", () => {
    const retry = restart("retry");
    expect(retry.success, retry.error).toBe(true);
    expect(retry.returned).toMatch(/^SELECTIVE RETRY 1: dbt build succeeded/);
    const args = retry.executions?.[0]?.args ?? [];
    expect(args.slice(0, 4)).toEqual(["build", "--full-refresh", "--select", "mine_fragile+,tag:mine"]);
    expect(JSON.parse(args.at(-1) as string)).toMatchObject({ mine_flag: 7, gen_restart_retry: 1 });
    // mine_grandchild is downstream of the failure but not in tag:mine: the retry does not run it
    expect(ran(retry.executions?.[0]).sort()).toEqual(["mine_child", "mine_fragile"]);
    expect(rows("child")).toEqual([{ Y: 2, FLAG: 7 }]);
  });

  it("a run in progress makes the call skip and record why; an older one does not", () => {
    const skipped = restart("in_progress");
    expect(skipped.success, skipped.error).toBe(true);
    expect(skipped.executions).toEqual([]);
    expect(skipped.returned).toMatch(
      /^SKIPPED: a run started at .* has not ended \(less than max_run_hours 4 ago\)/,
    );
    expect(rows("skipped_rows")).toEqual([
      { STATUS: "SKIPPED", RESTART_KEY: DAILY, NOTE: (skipped.returned ?? "").replace("SKIPPED: ", "") },
    ]);
    const after = restart("after_stale_run");
    expect(after.success, after.error).toBe(true);
    expect(after.returned).toMatch(/^FULL BUILD: dbt build succeeded \(the last run succeeded\)/);
  });

  it("nodes that --fail-fast cancelled are retried with the failed one", () => {
    const failed = restart("fail_fast");
    expect(failed.success).toBe(false);
    expect(failed.executions?.[0]?.results).toEqual(
      expect.arrayContaining([{ unique_id: "model.policy_workflows.ff_b_ok", status: "skipped" }]),
    );
    expect(rows("ff_plan")).toEqual([{ SELECTOR: "ff_a_bad+ ff_b_ok+" }]);
    const retry = restart("fail_fast_retry");
    expect(retry.success, retry.error).toBe(true);
    expect(retry.executions?.[0]?.args.slice(0, 5)).toEqual([
      "build",
      "--fail-fast",
      "--select",
      "ff_a_bad+,tag:ff",
      "ff_b_ok+,tag:ff",
    ]);
    expect(ran(retry.executions?.[0]).sort()).toEqual(["ff_a_bad", "ff_b_ok"]);
  });

  it("an error reading the plan raises; only a missing plan view means a full build", () => {
    const broken = restart("unreadable_plan");
    expect(broken.success).toBe(false);
    expect(broken.executions).toEqual([]);
    expect(broken.error).toMatch(/RESTART_KEY" not found/);
  });

  it("the plan is read in the schema --vars moves the project to", () => {
    const moved = restart("moved_schema");
    expect(moved.success, moved.error).toBe(true);
    expect(moved.returned).toMatch(/^FULL BUILD: dbt run succeeded \(no restart plan yet/);
    const again = restart("moved_schema_again");
    expect(again.success, again.error).toBe(true);
    expect(again.returned).toMatch(/^FULL BUILD: dbt run succeeded \(the last run succeeded\)/);
    expect(stdout).not.toMatch(/Traceback/);
  });
});

describe("RUN_DBT_AUTO_RESTART and gen restart build the same dbt command from a plan", () => {
  it("the handler's args_for_plan gives the arguments of every shared case (test/unit/restart-args-cases.json)", async () => {
    requireNativeVenv();
    const project = build({ file: SPECS[0] as string });
    const cases = join(HERE, "..", "unit", "restart-args-cases.json");
    const script = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(join(HERE, "..", "..", "generator", "snowflake", "native"))})`,
      "from sfproc import load_handler",
      "h = load_handler(open(sys.argv[1]).read(), {}, name='run_dbt_auto_restart')",
      "print(json.dumps([h.args_for_plan(c['plan'], c['full_args']) for c in json.load(open(sys.argv[2]))]))",
    ].join("\n");
    const r = await execa(
      join(VENVS.snowflake.dir, "bin", "python"),
      ["-c", script, join(project.dir, "snowflake", "07_auto_restart.sql"), cases],
      { reject: false, all: true },
    );
    expect(r.exitCode, r.all).toBe(0);
    const expected = (JSON.parse(readFileSync(cases, "utf8")) as { args: string[] }[]).map((c) => c.args);
    expect(JSON.parse(r.stdout)).toEqual(expected);
  });
});
