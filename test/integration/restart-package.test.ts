/**
 * Auto-restart added to an existing dbt project: a spec with only `project` and `auto_restart` builds a package
 * (no workflows, no HTTP plugin), the host project lists it in packages.yml, its hooks record the host's runs, and
 * `gen restart <host dir>` re-runs exactly the nodes `dbt retry` re-runs after a failed build (real dbt on DuckDB;
 * `dbt retry` in a copy of the host project, which keeps target/).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { runDbt } from "../../generator/dbt/index.ts";
import { PYTHON, useTempDirs } from "./harness.ts";

const tempDir = useTempDirs("gen-restart-pkg-");

const gen = (args: string[]) =>
  execa("node", [join(process.cwd(), "bin/gen.js"), ...args], { reject: false, env: { NO_COLOR: "1" } });

const SPEC = `version: 1
project:
  name: auto_restart_pkg
auto_restart:
  max_retries: 3
  max_age_hours: 24
  run_log_table: audit_run_log
`;

/** A host project nobody here generated: a seed, staging models, one model that reads a table that lands late. */
function writeHostProject(root: string, packageDir: string): void {
  const file = (path: string, text: string) => {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  file(
    "dbt_project.yml",
    "name: shop_analytics\nversion: '1.0.0'\nconfig-version: 2\nprofile: shop_analytics\n" +
      "models:\n  shop_analytics:\n    +materialized: table\n",
  );
  file("packages.yml", `packages:\n  - local: ${JSON.stringify(packageDir)}\n`);
  file(
    "profiles.yml",
    "shop_analytics:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n      threads: 1\n",
  );
  file("seeds/customers.csv", "customer_id,name\n1,Ada\n2,Grace\n");
  file("models/stg_customers.sql", "select customer_id, name from {{ ref('customers') }}\n");
  file("models/stg_orders.sql", "select 10 as order_id, 1 as customer_id, 25.0 as amount\n");
  file(
    "models/sources.yml",
    "version: 2\nsources:\n  - name: raw\n    schema: main\n    tables:\n      - name: late_payments\n",
  );
  // fails until raw late_payments exists (a table loaded by something else, late on the first day)
  file(
    "models/orders_paid.sql",
    "select o.order_id, o.customer_id, o.amount, p.paid_at\n" +
      "from {{ ref('stg_orders') }} o join {{ source('raw', 'late_payments') }} p on p.order_id = o.order_id\n",
  );
  file(
    "models/customer_revenue.sql",
    "select c.name, sum(p.amount) as revenue\n" +
      "from {{ ref('stg_customers') }} c join {{ ref('orders_paid') }} p on p.customer_id = c.customer_id\n" +
      "group by c.name\n",
  );
  file("models/order_count.sql", "select count(*) as orders from {{ ref('stg_orders') }}\n");
  file(
    "models/schema.yml",
    "version: 2\nmodels:\n  - name: customer_revenue\n    columns:\n      - name: name\n        data_tests: [not_null]\n",
  );
}

/** unique_ids of the nodes the last dbt command in `dir` executed */
function executedNodes(dir: string): string[] {
  const results = JSON.parse(readFileSync(join(dir, "target", "run_results.json"), "utf8")) as {
    results: { unique_id: string }[];
  };
  return results.results.map((r) => r.unique_id).sort();
}

async function query(dbFile: string, sql: string): Promise<unknown[][]> {
  const r = await execa(PYTHON, [
    "-c",
    "import duckdb,sys,json; c=duckdb.connect(sys.argv[1]); print(json.dumps(c.execute(sys.argv[2]).fetchall(), default=str))",
    dbFile,
    sql,
  ]);
  return JSON.parse(r.stdout) as unknown[][];
}

const landPayments = (dir: string) =>
  query(
    join(dir, "shop.duckdb"),
    "create table main.late_payments as select 10 as order_id, timestamp '2024-01-02 03:04:05' as paid_at",
  );

describe("auto-restart as a package of an existing dbt project", { timeout: 300_000 }, () => {
  it("builds from a spec with only auto_restart; gen restart re-runs what dbt retry re-runs", async () => {
    const work = tempDir();
    writeFileSync(join(work, "auto_restart.yaml"), SPEC);
    const pkg = join(work, "auto_restart_pkg");
    const built = await gen(["build", join(work, "auto_restart.yaml"), "-o", pkg]);
    expect(built.exitCode, built.stderr).toBe(0);
    // a package: hooks, log tables, plan, history; nothing of the HTTP runtime
    expect(existsSync(join(pkg, "models", "auto_restart", "gen_restart_plan.sql"))).toBe(true);
    expect(existsSync(join(pkg, "plugins"))).toBe(false);
    expect(readFileSync(join(pkg, "profiles.yml"), "utf8")).not.toContain("gen_duckdb_plugin");

    const host = join(work, "shop");
    writeHostProject(host, pkg);
    const deps = await runDbt(host, ["deps"]);
    expect(deps.exitCode, deps.output).toBe(0);

    const failed = await runDbt(host, ["build"]);
    expect(failed.exitCode, failed.output).not.toBe(0);
    // the package's on-run-start / on-run-end hooks ran in the host project, into the configured table name
    expect(
      await query(join(host, "shop.duckdb"), "select project_name, command, status from audit_run_log"),
    ).toEqual([["shop_analytics", "build", "FAILED"]]);

    // dbt retry, in a copy that keeps target/ and its own DuckDB file
    const copy = join(tempDir(), "shop");
    cpSync(host, copy, { recursive: true });
    await landPayments(copy);
    const retry = await runDbt(copy, ["retry"]);
    expect(retry.exitCode, retry.output).toBe(0);
    const expected = executedNodes(copy).filter((id) => !id.startsWith("operation."));
    // the failed model, its child that was skipped, and the child's test (unique_id without dbt's hash)
    expect(expected.map((id) => id.replace(/\.[0-9a-f]{10}$/, ""))).toEqual([
      "model.shop_analytics.customer_revenue",
      "model.shop_analytics.orders_paid",
      "test.shop_analytics.not_null_customer_revenue_name",
    ]);

    await landPayments(host);
    const dry = await gen(["restart", host, "--dry-run", "--json"]);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      plan: { decision: "SELECTIVE RETRY", selector: "orders_paid+", retry_sequence: 1 },
      args: [
        "build",
        "--select",
        "orders_paid+",
        "--vars",
        JSON.stringify({ gen_restart_key: "build", gen_restart_retry: 1 }),
      ],
    });
    const restarted = await gen(["restart", host, "--json"]);
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    expect(executedNodes(host).filter((id) => !id.startsWith("operation."))).toEqual(expected);
    expect(
      await query(
        join(host, "shop.duckdb"),
        "select run_type, run_kind, retry_sequence, run_status from v_auto_restart_history order by run_started_at",
      ),
    ).toEqual([
      ["🔵 FULL BUILD", "FULL BUILD", 0, "FAILED"],
      ["🔄 SELECTIVE RETRY", "SELECTIVE RETRY", 1, "SUCCESS"],
    ]);
  });

  it("stops, naming the table, when a log table of that name exists and gen did not create it", async () => {
    const work = tempDir();
    writeFileSync(join(work, "auto_restart.yaml"), SPEC);
    const pkg = join(work, "auto_restart_pkg");
    expect((await gen(["build", join(work, "auto_restart.yaml"), "-o", pkg])).exitCode).toBe(0);
    const host = join(work, "shop");
    writeHostProject(host, pkg);
    expect((await runDbt(host, ["deps"])).exitCode).toBe(0);
    // an audit table of the same name, with its own columns and rows
    const db = join(host, "shop.duckdb");
    await query(
      db,
      "create table main.dbt_model_log (log_id varchar, model_name varchar, status varchar, run_id varchar)",
    );
    await query(db, "insert into main.dbt_model_log values ('l1', 'stg_orders', 'SUCCESS', 'r1')");

    const run = await runDbt(host, ["run", "--select", "stg_orders"]);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain("the table");
    expect(run.output).toMatch(/dbt_model_log already exists and was not created by gen/);
    expect(run.output).toContain("Set auto_restart.model_log_table (or auto_restart.schema)");
    // not altered, not written
    expect(
      await query(
        db,
        "select column_name from information_schema.columns where table_name = 'dbt_model_log' order by ordinal_position",
      ),
    ).toEqual([["log_id"], ["model_name"], ["status"], ["run_id"]]);
    expect(await query(db, "select count(*) from main.dbt_model_log")).toEqual([[1]]);
  });
});
