/**
 * `npm run bench:fanout`: the fan-out runtime in figures (bench/fanout/DECISION.md).
 * One job: N keys (default 1,000), each create -> poll (pending x2) -> ready -> circuit call (5 HTTP calls), one key's
 * create rejected by the API, against the mock API at 20 ms latency, on DuckDB, at concurrency 1, 8, 32.
 * Configurations (--only, comma-separated):
 * - runtime (default): gen's own, a spec with a `for_each` workflow built by gen (poll interval 0.05 s), run by its
 *   generated project (runtime/macros/fanout, the gen_http_batch UDF); plus the same job at --small-rows keys at
 *   the highest concurrency, to show how the statements grow with rows.
 * - jinja, python: the two prototypes the runtime was chosen from (bench/fanout/jinja: Jinja loop + batch UDF;
 *   bench/fanout/python: dbt Python model).
 * Per run: wall time of `dbt run`, the workflow node's own time, SQL statements DuckDB ran (its QueryLog; "state" =
 * those touching the state or attempt-log table), peak RSS of dbt (/usr/bin/time), HTTP calls served, and a check
 * of the outcome (the bench fails when it is not N-1 completed rows and 1 failed).
 * Baseline: the single-execution runtime (specs/policy.yaml, poll interval 0), one execution per `dbt run`,
 * measured over --baseline-runs runs and extrapolated to N.
 * Options: --rows N, --small-rows N (0 skips), --latency MS, --concurrency 1,8,32, --baseline-runs K (0 skips),
 * --only runtime,jinja,python.
 * The machine is shared: the load average is printed with every figure; configurations run back to back.
 */
import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GEN_HOME, VENV_DIR } from "../generator/dbt/index.ts";
import { startMockApi } from "../generator/mockapi/index.ts";
import { compileSpec } from "../generator/pipeline.ts";
import type { Plan } from "../generator/plan/index.ts";
import { writeOutput } from "../generator/write/index.ts";

const { values: opts } = parseArgs({
  options: {
    rows: { type: "string", default: "1000" },
    latency: { type: "string", default: "20" },
    concurrency: { type: "string", default: "1,8,32" },
    "small-rows": { type: "string", default: "50" },
    "baseline-runs": { type: "string", default: "20" },
    only: { type: "string", default: "runtime" },
  },
});
const ROWS = Number(opts.rows);
const LATENCY_MS = Number(opts.latency);
const CONCURRENCY = opts.concurrency.split(",").map(Number);
const BASELINE_RUNS = Number(opts["baseline-runs"]);
const SMALL_ROWS = Number(opts["small-rows"]);
const CONFIGURATIONS = opts.only.split(",");
for (const c of CONFIGURATIONS)
  if (!["runtime", "jinja", "python"].includes(c)) throw new Error(`--only: unknown configuration ${c}`);
const PROTOTYPES = CONFIGURATIONS.filter((c) => c !== "runtime");
const FAIL_KEY = 7;
const TOKEN = "bench-token-0123";
/** The mock API of every configuration's job: pending twice then ready, the failing key's create refused. */
const JOB_SCENARIO = {
  latencyMs: LATENCY_MS,
  pendingPolls: 2,
  rejectBodyContaining: "REJECT-",
  requireToken: TOKEN,
};

const DBT = join(VENV_DIR, "bin", "dbt");
const PYTHON = join(VENV_DIR, "bin", "python");
const FANOUT = join(GEN_HOME, "bench", "fanout");
const SHARED = join(FANOUT, "shared");
const work = mkdtempSync(join(tmpdir(), "gen-fanout-"));
const say = (line = "") => process.stdout.write(line + "\n");
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const pad = (s: string | number, n: number) => String(s).padStart(n);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Measured {
  wallMs: number;
  /** the workflow model's own time as dbt reports it (its "in N s"), without dbt's start-up and parse */
  nodeMs: number;
  exitCode: number;
  output: string;
  rssMb: number;
  statements: number;
  /** the statements touching the state (and attempt-log) table */
  loopStatements: number;
  /** DuckDB's time in the node's statements calling the batch HTTP function, and in its other statements */
  httpSqlMs: number;
  otherSqlMs: number;
  /** the statements matching each of `kinds` (measure's argument) */
  kinds: Record<string, number>;
  httpCalls: number;
  db: string;
}

/**
 * Where the workflow node's time went, from dbt's debug log: the time DuckDB took for the statements that call the
 * batch HTTP function, for the others, and the rest (dbt and the runtime's Jinja between statements).
 */
function nodeSplit(dbtLog: string, model: string): { httpSqlMs: number; otherSqlMs: number } {
  const lines = existsSync(dbtLog) ? readFileSync(dbtLog, "utf8").split("\n") : [];
  const split = { httpSqlMs: 0, otherSqlMs: 0 };
  let inNode = false;
  let statement = "";
  for (const [i, l] of lines.entries()) {
    if (l.includes("Began executing node model.") && l.endsWith(`.${model}`)) inNode = true;
    else if (inNode && l.includes("Finished running node")) break;
    else if (inNode && /\]: On model\./.test(l)) statement = lines.slice(i, i + 4).join(" ");
    else if (inNode && statement) {
      const took = /SQL status: .* in ([\d.]+) seconds/.exec(l);
      if (took) {
        if (statement.includes("gen_http_batch(")) split.httpSqlMs += Number(took[1]) * 1000;
        else split.otherSqlMs += Number(took[1]) * 1000;
        statement = "";
      }
    }
  }
  return split;
}

function nodeMs(output: string, model: string): number {
  const line = output.split("\n").find((l) => l.includes(`.${model} `) && / in [\d.]+s\]/.test(l));
  return Number(/ in ([\d.]+)s\]/.exec(line ?? "")?.[1] ?? NaN) * 1000;
}

/** One `dbt run` in `projectDir` against a fresh mock API, with DuckDB's query log and /usr/bin/time. */
async function measure(
  projectDir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stateTable: RegExp,
  model: string,
  db: string,
  api: { requests: () => unknown[] },
  kinds: Record<string, RegExp> = {},
): Promise<Measured> {
  const id = `${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const logDir = join(work, `qlog_${id}`);
  const rssFile = join(work, `rss_${id}`);
  const started = performance.now();
  const r = await execa("/usr/bin/time", ["-o", rssFile, "-f", "%M", DBT, "run", ...args], {
    cwd: projectDir,
    reject: false,
    all: true,
    env: {
      ...env,
      FANOUT_QUERY_LOG: logDir,
      FANOUT_SHARED: SHARED,
      DBT_TARGET_PATH: join(work, `target_${id}`),
      DBT_LOG_PATH: join(work, `logs_${id}`),
      DBT_SEND_ANONYMOUS_USAGE_STATS: "false",
      DBT_USE_COLORS: "false",
    },
  });
  const wallMs = performance.now() - started;
  const rssKb = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop());
  // DuckDB's QueryLog holds one entry per statement it ran (dbt's own included), in any connection of the process
  const patterns = {
    state: stateTable.source,
    ...Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, v.source])),
  };
  const counted = await execa(PYTHON, [
    "-c",
    "import duckdb, json, re, sys\n" +
      "rows = duckdb.sql(\"select message from read_csv(?, all_varchar=true) where type = 'QueryLog'\", params=[sys.argv[1]]).fetchall()\n" +
      "patterns = json.loads(sys.argv[2])\n" +
      "counts = {k: sum(1 for (m,) in rows if re.search(p, m or '', re.I)) for k, p in patterns.items()}\n" +
      "print(json.dumps(dict(counts, total=len(rows))))",
    join(logDir, "duckdb_log_entries.csv"),
    JSON.stringify(patterns),
  ]);
  const { total, state, ...kindCounts } = JSON.parse(counted.stdout) as Record<string, number>;
  const output = String(r.all ?? "");
  return {
    wallMs,
    nodeMs: nodeMs(output, model),
    ...nodeSplit(join(work, `logs_${id}`, "dbt.log"), model),
    exitCode: r.exitCode ?? -1,
    output,
    rssMb: rssKb / 1024,
    statements: total ?? NaN,
    loopStatements: state ?? NaN,
    kinds: kindCounts,
    httpCalls: api.requests().length,
    db,
  };
}

async function query(db: string, sql: string): Promise<string[][]> {
  const r = await execa(PYTHON, [
    "-c",
    "import duckdb, json, sys\nprint(json.dumps(duckdb.connect(sys.argv[1], read_only=True).execute(sys.argv[2]).fetchall(), default=str))",
    db,
    sql,
  ]);
  return JSON.parse(r.stdout) as string[][];
}

/** The transitions the job must leave, whatever the prototype: checked after every run. */
async function checkTransitions(m: Measured): Promise<string> {
  const rows = await query(
    m.db,
    "select step, status, count(*) from customer_policy_state group by all order by all",
  );
  const got = Object.fromEntries(rows.map(([step, status, n]) => [`${step}/${status}`, Number(n)]));
  const ok = ROWS - 1;
  const want: Record<string, number> = {
    "create_policy/created": ok,
    "create_policy/failed": 1,
    "poll_policy/pending": 2 * ok,
    "poll_policy/ready": ok,
    "trigger_circuit_breaker/completed": ok,
  };
  const problems = Object.keys({ ...want, ...got }).filter((k) => got[k] !== want[k]);
  if (m.exitCode === 0) problems.push("dbt run succeeded although a row failed");
  if (!/1 row\(s\) failed/.test(m.output)) problems.push("the failure is not the expected one");
  if (problems.length > 0)
    throw new Error(
      `unexpected outcome: ${problems.join(", ")}\n${JSON.stringify(got)}\n${m.output.slice(-3000)}`,
    );
  return `${Object.values(got).reduce((a, b) => a + b, 0)} transitions`;
}

async function prototypes(): Promise<Map<string, Map<number, Measured>>> {
  const results = new Map<string, Map<number, Measured>>();
  say(
    `prototypes: ${ROWS} keys x 5 HTTP calls (key ${FAIL_KEY}'s create rejected), mock latency ${LATENCY_MS} ms`,
  );
  say(
    `  prototype  conc   dbt run   workflow node   SQL stmts (loop)   peak RSS   HTTP calls   check                  load avg (1/5/15 min)`,
  );
  for (const proto of PROTOTYPES) results.set(proto, new Map<number, Measured>());
  // back to back per configuration: both prototypes of one concurrency meet about the same machine load
  for (const concurrency of CONCURRENCY) {
    for (const proto of PROTOTYPES) {
      const byConcurrency = results.get(proto) ?? new Map<number, Measured>();
      const api = await startMockApi({
        port: 0,
        scenario: JOB_SCENARIO,
      });
      try {
        const db = join(work, `${proto}_${concurrency}.duckdb`);
        const vars = JSON.stringify({
          rows: ROWS,
          concurrency,
          api_url: api.url,
          fail_key: FAIL_KEY,
          max_polls: 5,
        });
        const m = await measure(
          join(FANOUT, proto),
          ["--profiles-dir", ".", "--vars", vars],
          { ...process.env, FANOUT_DB: db, FANOUT_API_KEY: TOKEN },
          /customer_policy_state/,
          "customer_policy",
          db,
          api,
        );
        const check = await checkTransitions(m);
        byConcurrency.set(concurrency, m);
        say(
          `  ${proto.padEnd(9)} ${pad(concurrency, 4)}  ${pad(seconds(m.wallMs), 8)}  ${pad(seconds(m.nodeMs), 13)}  ${pad(m.statements, 9)} (${pad(m.loopStatements, 3)})     ${pad(m.rssMb.toFixed(0), 5)} MB   ${pad(m.httpCalls, 10)}   ${check.padEnd(20)}   ${load()}`,
        );
      } finally {
        await api.close();
      }
    }
  }
  return results;
}

/** Builds a spec with gen into a new directory work/<name>_*, its profile patched to load the bench's query-log plugin too. */
function buildWithGen(text: string, file: string, name: string): { dir: string; plan: Plan } {
  const compiled = compileSpec(text, file, { targets: ["duckdb"] });
  if (!compiled.plan || !compiled.files)
    throw new Error(`${file} does not compile:\n${compiled.diagnostics.map((d) => d.message).join("\n")}`);
  const dir = mkdtempSync(join(work, `${name}_`));
  writeOutput(dir, compiled.files);
  // DuckDB's query log through the bench's plugin, next to the generated one (a copy; the runtime is untouched)
  const profile = join(dir, "profiles.yml");
  const original = readFileSync(profile, "utf8");
  const patched = original
    .replace(
      `module_paths: ["{{ env_var('GEN_PLUGIN_PATH', 'plugins') }}"]`,
      `module_paths: ["{{ env_var('GEN_PLUGIN_PATH', 'plugins') }}", "{{ env_var('FANOUT_SHARED') }}"]`,
    )
    .replace(
      "- module: gen_duckdb_plugin",
      "- module: gen_duckdb_plugin\n        - module: query_log_plugin",
    );
  if (patched === original || !patched.includes("query_log_plugin") || !patched.includes("FANOUT_SHARED"))
    throw new Error("the generated profiles.yml changed shape: update the bench's patch");
  writeFileSync(profile, patched);
  return { dir, plan: compiled.plan };
}

/** The runtime's job: a for_each workflow over `active_customers`, 5 calls per row (create, 2 pending polls + 1, circuit). */
const RUNTIME_POLL_INTERVAL_S = 0.05;
const runtimeSpec = (concurrency: number) => `
version: 1
project:
  name: fanout_bench
connections:
  api:
    base_url: \${env.FANOUT_BENCH_API_URL:-http://127.0.0.1:1}
    auth: { type: bearer, token: "\${secret.FANOUT_BENCH_API_KEY}" }
    retry: { max_attempts: 2, backoff_s: 0.01 }
workflows:
  - name: customer_policy
    for_each: { model: active_customers, key: customer_id }
    concurrency: ${concurrency}
    steps:
      - name: create_policy
        request:
          connection: api
          method: POST
          path: /createpolicy
          body: { policy_name: "\${row.policy_name}", tier: "\${row.tier}" }
        outputs: { policy_id: $.policy_id }
      - name: poll_policy
        request: { connection: api, method: GET, path: "/policy/\${steps.create_policy.policy_id}" }
        poll: { status: $.status, success: [success], pending: [pending], failure: [failed], max_attempts: 5, interval_s: ${RUNTIME_POLL_INTERVAL_S} }
      - name: trigger_circuit
        request:
          connection: api
          method: POST
          path: /circuit
          body: { policy_id: "\${steps.create_policy.policy_id}" }
        outputs: { circuit_breaker_id: $.circuit_breaker_id }
`;

/** One run of the runtime's job at `rows` keys and `concurrency`, in a new project, checked. */
async function runtimeRun(rows: number, concurrency: number): Promise<Measured> {
  const { dir, plan } = buildWithGen(
    runtimeSpec(concurrency),
    "fanout_bench.yaml",
    `runtime_${rows}_${concurrency}`,
  );
  // the user's model of the rows; one key's create is rejected by the API (its body holds REJECT-)
  writeFileSync(
    join(dir, "models", "active_customers.sql"),
    `select i as customer_id,\n` +
      `       case when i = ${FAIL_KEY} then 'REJECT-' else 'policy-' end || i as policy_name,\n` +
      `       'tier-' || (i % 3) as tier\n` +
      `from range(1, ${rows + 1}) as t(i)\n`,
  );
  const api = await startMockApi({
    port: 0,
    scenario: JOB_SCENARIO,
  });
  try {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const v of plan.project.envVars) env[v.name] = api.url;
    for (const s of plan.project.secrets) env[s] = TOKEN;
    const db = join(dir, plan.project.duckdbPath);
    const m = await measure(
      dir,
      [],
      env,
      /customer_policy_(state|attempts)/,
      "stateful_customer_policy",
      db,
      api,
      {
        http: /gen_http_batch\(/,
        sleep: /gen_sleep\(/,
      },
    );
    await checkRuntime(m, rows);
    return m;
  } finally {
    await api.close();
  }
}

/** The outcome the runtime's job must leave: N-1 rows completed, the rejected one failed, 5 calls per completed row. */
async function checkRuntime(m: Measured, rows: number): Promise<void> {
  const byStatus = await query(
    m.db,
    "select status, count(*) from customer_policy_state group by all order by all",
  );
  const got = Object.fromEntries(byStatus.map(([status, n]) => [status, Number(n)]));
  const [[attempts] = []] = await query(m.db, "select count(*) from customer_policy_attempts");
  const calls = 5 * (rows - 1) + 1;
  const problems: string[] = [];
  if (got["completed"] !== rows - 1 || got["error"] !== 1 || Object.keys(got).length !== 2)
    problems.push(`rows per status ${JSON.stringify(got)}, expected {"completed": ${rows - 1}, "error": 1}`);
  if (m.exitCode === 0) problems.push("dbt run succeeded although a row failed");
  const failure = `customer_policy (for_each): 1 of ${rows} row(s) failed (first: customer_id ${FAIL_KEY},`;
  if (!m.output.includes(failure) || !/HTTP 422/.test(m.output))
    problems.push(`the failure is not the expected one (${failure} ... HTTP 422)`);
  if (m.httpCalls !== calls) problems.push(`${m.httpCalls} HTTP calls served, expected ${calls}`);
  if (Number(attempts) !== calls) problems.push(`${String(attempts)} attempt-log rows, expected ${calls}`);
  if (problems.length > 0)
    throw new Error(
      `runtime, ${rows} rows: unexpected outcome: ${problems.join("; ")}\n${m.output.slice(-3000)}`,
    );
}

async function runtime(): Promise<Map<number, Measured>> {
  const results = new Map<number, Measured>();
  say(
    `runtime: gen's for_each, ${ROWS} keys x 5 HTTP calls (key ${FAIL_KEY}'s create rejected), mock latency ${LATENCY_MS} ms, poll interval ${RUNTIME_POLL_INTERVAL_S} s`,
  );
  say(
    `  node = the workflow model's own time, split into DuckDB's time in the batch HTTP statements / in the other statements / the rest (dbt and the runtime's Jinja between statements)`,
  );
  say(
    `   rows  conc   dbt run   workflow node (HTTP / other SQL / rest)   SQL stmts (state, HTTP, sleep)   peak RSS   HTTP calls   check                    load avg (1/5/15 min)`,
  );
  const line = (rows: number, concurrency: number, m: Measured) => {
    const rest = m.nodeMs - m.httpSqlMs - m.otherSqlMs;
    const split = `${seconds(m.httpSqlMs)} / ${seconds(m.otherSqlMs)} / ${seconds(rest)}`;
    say(
      `  ${pad(rows, 5)}  ${pad(concurrency, 4)}  ${pad(seconds(m.wallMs), 8)}  ${pad(seconds(m.nodeMs), 8)} (${split.padStart(24)})    ${pad(m.statements, 9)} (${pad(m.loopStatements, 3)}, ${pad(m.kinds["http"] ?? NaN, 3)}, ${pad(m.kinds["sleep"] ?? NaN, 2)})     ${pad(m.rssMb.toFixed(0), 5)} MB   ${pad(m.httpCalls, 10)}   ${`${rows - 1} completed + 1 error`.padEnd(23)}  ${load()}`,
    );
  };
  for (const concurrency of CONCURRENCY) {
    const m = await runtimeRun(ROWS, concurrency);
    results.set(concurrency, m);
    line(ROWS, concurrency, m);
  }
  const one = results.get(Math.min(...CONCURRENCY));
  const most = results.get(Math.max(...CONCURRENCY));
  const top = Math.max(...CONCURRENCY);
  if (SMALL_ROWS > 0 && SMALL_ROWS !== ROWS) {
    const small = await runtimeRun(SMALL_ROWS, top);
    line(SMALL_ROWS, top, small);
    if (most) {
      const grew = (a: number, b: number) => (a === b ? "equal" : `${b > a ? "+" : ""}${b - a}`);
      say();
      say(
        `  statements, ${SMALL_ROWS} -> ${ROWS} rows at concurrency ${top}: total ${small.statements} -> ${most.statements} (${grew(small.statements, most.statements)}), state/attempt tables ${small.loopStatements} -> ${most.loopStatements} (${grew(small.loopStatements, most.loopStatements)}), HTTP batch ${small.kinds["http"]} -> ${most.kinds["http"]} (${grew(small.kinds["http"] ?? 0, most.kinds["http"] ?? 0)}: one per chunk of at most 64 requests), sleep ${small.kinds["sleep"]} -> ${most.kinds["sleep"]}`,
      );
    }
  }
  if (one && most && one !== most) {
    const speedUp = one.nodeMs / most.nodeMs;
    say(
      `  concurrency ${top} vs ${Math.min(...CONCURRENCY)}: workflow node ${speedUp.toFixed(1)}x faster (goal >= 8x: ${speedUp >= 8 ? "met" : "MISSED"}), dbt run ${(one.wallMs / most.wallMs).toFixed(1)}x`,
    );
  }
  if (most)
    say(
      `  whole dbt run at concurrency ${top}: ${seconds(most.wallMs)} (goal < 20 s: ${most.wallMs < 20_000 ? "met" : "MISSED"}; start-up and parse, dbt run minus node: ${seconds(most.wallMs - most.nodeMs)}); load avg ${load()}`,
    );
  return results;
}

/** The single-execution runtime: one execution per dbt run (specs/policy.yaml, stateful model, poll interval 0). */
async function baseline(): Promise<void> {
  const text = readFileSync(join(GEN_HOME, "specs", "policy.yaml"), "utf8").replace(
    "interval_s: 2",
    "interval_s: 0",
  );
  const { dir, plan } = buildWithGen(text, "policy.yaml", "baseline");
  const api = await startMockApi({
    port: 0,
    scenario: { latencyMs: LATENCY_MS, pendingPolls: 2, requireToken: TOKEN },
  });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of plan.project.envVars) env[v.name] = api.url;
  for (const s of plan.project.secrets) env[s] = TOKEN;
  const db = join(dir, plan.project.duckdbPath);
  say();
  say(
    `baseline: the single-execution runtime, one execution per \`dbt run --select stateful_policy_execution\` (specs/policy.yaml, poll interval 0)`,
  );
  try {
    const runs: Measured[] = [];
    for (let i = 0; i < BASELINE_RUNS; i++) {
      const before = api.requests().length;
      const m = await measure(
        dir,
        ["--select", "stateful_policy_execution"],
        env,
        /policy_execution_(state|attempts)/,
        "stateful_policy_execution",
        db,
        api,
      );
      if (m.exitCode !== 0) throw new Error(`baseline run ${i + 1} failed:\n${m.output.slice(-3000)}`);
      runs.push({ ...m, httpCalls: m.httpCalls - before });
    }
    const completed = await query(
      db,
      "select count(*) from policy_execution_state where status = 'completed'",
    );
    if (Number(completed[0]?.[0]) !== BASELINE_RUNS)
      throw new Error(`baseline: ${completed[0]?.[0]} completed executions, expected ${BASELINE_RUNS}`);
    const mean = (f: (m: Measured) => number) => runs.reduce((a, m) => a + f(m), 0) / runs.length;
    const perRun = mean((m) => m.wallMs);
    say(
      `  measured ${BASELINE_RUNS} runs: ${seconds(perRun)} per execution (dbt run; workflow node ${seconds(mean((m) => m.nodeMs))}), ${mean((m) => m.statements).toFixed(0)} SQL statements (${mean((m) => m.loopStatements).toFixed(0)} on the state/attempt tables), ${mean((m) => m.httpCalls).toFixed(0)} HTTP calls, peak RSS ${Math.max(...runs.map((m) => m.rssMb)).toFixed(0)} MB; load avg ${load()}`,
    );
    say(
      `  extrapolated to ${ROWS} executions, run one after the other: ${((perRun * ROWS) / 60_000).toFixed(0)} min, ${(mean((m) => m.statements) * ROWS).toFixed(0)} SQL statements`,
    );
  } finally {
    await api.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(DBT)) throw new Error("the project-local venv is missing: run `npm run setup` first");
  say(`gen fan-out benchmark; load average ${load()} at start`);
  say();
  if (CONFIGURATIONS.includes("runtime")) {
    await runtime();
    say();
  }
  if (PROTOTYPES.length > 0) {
    const results = await prototypes();
    say();
    for (const [proto, byConcurrency] of results) {
      const one = byConcurrency.get(Math.min(...CONCURRENCY));
      const most = byConcurrency.get(Math.max(...CONCURRENCY));
      if (one && most)
        say(
          `  ${proto}: concurrency ${Math.max(...CONCURRENCY)} vs ${Math.min(...CONCURRENCY)}: dbt run ${(one.wallMs / most.wallMs).toFixed(1)}x, workflow node ${(one.nodeMs / most.nodeMs).toFixed(1)}x faster (goal >= 8x); dbt run ${seconds(most.wallMs)} (goal < 20 s)`,
        );
    }
  }
  if (BASELINE_RUNS > 0) await baseline();
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
