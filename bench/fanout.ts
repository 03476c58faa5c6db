/**
 * `npm run bench:fanout`: the fan-out design choice in figures (bench/fanout/DECISION.md).
 * One job: N keys (default 1,000), each create -> poll (pending x2) -> ready -> circuit call (5 HTTP calls), one key's
 * create rejected by the API, against the mock API at 20 ms latency, on DuckDB. For each prototype (bench/fanout/jinja:
 * Jinja loop + batch UDF; bench/fanout/python: dbt Python model) and concurrency 1, 8, 32: wall time of `dbt run`,
 * SQL statements DuckDB ran (its QueryLog; "loop" = the statements touching the state table), peak RSS of dbt
 * (/usr/bin/time), HTTP calls served. Baseline: today's runtime (specs/policy.yaml, poll interval 0), one execution
 * per `dbt run`, measured over --baseline-runs runs and extrapolated to N.
 * Options: --rows N, --latency MS, --concurrency 1,8,32, --baseline-runs K (0 skips), --only jinja|python.
 * The machine is shared: the load average is printed with every figure; configurations run back to back.
 */
import { execa } from "execa";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GEN_HOME, VENV_DIR } from "../generator/dbt/index.ts";
import { startMockApi } from "../generator/mockapi/index.ts";
import { compileSpec } from "../generator/pipeline.ts";
import { writeOutput } from "../generator/write/index.ts";

const { values: opts } = parseArgs({
  options: {
    rows: { type: "string", default: "1000" },
    latency: { type: "string", default: "20" },
    concurrency: { type: "string", default: "1,8,32" },
    "baseline-runs": { type: "string", default: "20" },
    only: { type: "string" },
  },
});
const ROWS = Number(opts.rows);
const LATENCY_MS = Number(opts.latency);
const CONCURRENCY = opts.concurrency.split(",").map(Number);
const BASELINE_RUNS = Number(opts["baseline-runs"]);
const PROTOTYPES = (opts.only ?? "jinja,python").split(",");
const FAIL_KEY = 7;
const TOKEN = "bench-token-0123";

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
  loopStatements: number;
  httpCalls: number;
  db: string;
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
  const counted = await execa(PYTHON, [
    "-c",
    "import duckdb, re, sys\n" +
      "rows = duckdb.sql(\"select message from read_csv(?, all_varchar=true) where type = 'QueryLog'\", params=[sys.argv[1]]).fetchall()\n" +
      "print(len(rows), sum(1 for (m,) in rows if re.search(sys.argv[2], m or '', re.I)))",
    join(logDir, "duckdb_log_entries.csv"),
    stateTable.source,
  ]);
  const [statements, loopStatements] = counted.stdout.trim().split(" ").map(Number);
  const output = String(r.all ?? "");
  return {
    wallMs,
    nodeMs: nodeMs(output, model),
    exitCode: r.exitCode ?? -1,
    output,
    rssMb: rssKb / 1024,
    statements: statements ?? NaN,
    loopStatements: loopStatements ?? NaN,
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
        scenario: {
          latencyMs: LATENCY_MS,
          pendingPolls: 2,
          rejectBodyContaining: "REJECT-",
          requireToken: TOKEN,
        },
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

/** Today's runtime: one execution per dbt run (specs/policy.yaml, stateful model, poll interval 0). */
async function baseline(): Promise<void> {
  const text = readFileSync(join(GEN_HOME, "specs", "policy.yaml"), "utf8").replace(
    "interval_s: 2",
    "interval_s: 0",
  );
  const compiled = compileSpec(text, "policy.yaml", { targets: ["duckdb"] });
  if (!compiled.plan || !compiled.files) throw new Error("specs/policy.yaml does not compile");
  const dir = join(work, "baseline");
  mkdirSync(dir);
  writeOutput(dir, compiled.files);
  // DuckDB's query log through the prototypes' plugin, next to the generated one (a copy; the runtime is untouched)
  const profile = join(dir, "profiles.yml");
  const original = readFileSync(profile, "utf8");
  const patched = original
    .replace(
      `module_paths: ["{{ env_var('GEN_PLUGIN_PATH', 'plugins') }}"]`,
      `module_paths: ["{{ env_var('GEN_PLUGIN_PATH', 'plugins') }}", "{{ env_var('FANOUT_SHARED') }}"]`,
    )
    .replace("- module: gen_duckdb_plugin", "- module: gen_duckdb_plugin\n        - module: fanout_plugin");
  if (patched === original || !patched.includes("fanout_plugin") || !patched.includes("FANOUT_SHARED"))
    throw new Error("the generated profiles.yml changed shape: update the baseline's patch");
  writeFileSync(profile, patched);
  const api = await startMockApi({
    port: 0,
    scenario: { latencyMs: LATENCY_MS, pendingPolls: 2, requireToken: TOKEN },
  });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of compiled.plan.project.envVars) env[v.name] = api.url;
  for (const s of compiled.plan.project.secrets) env[s] = TOKEN;
  const db = join(dir, compiled.plan.project.duckdbPath);
  say();
  say(
    `baseline: today's runtime, one execution per \`dbt run --select stateful_policy_execution\` (specs/policy.yaml, poll interval 0)`,
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
  if (BASELINE_RUNS > 0) await baseline();
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
