/**
 * The latest executions of a workflow, read straight from the project's DuckDB file after dbt has exited (a
 * short Python process with the duckdb package of gen's venv, about a second) instead of a second dbt process.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { VENV_DIR } from "./index.ts";

/** the columns `gen run` shows, as the project's get_<workflow>_state operation prints them */
export const STATE_COLUMNS = [
  "execution_id",
  "status",
  "current_step",
  "steps_completed",
  "poll_count",
  "completed",
  "start_time",
  "end_time",
  "error_message",
  "message",
] as const;

export type StateRow = Record<(typeof STATE_COLUMNS)[number], string | number | boolean | null>;

/** `null`: the database or the table does not exist yet (dbt failed before the workflow started). */
export type LatestExecutions = { table: string; rows: StateRow[] | null };

// The names arrive as arguments and are quoted here; the workflow is a bound parameter.
const READ_STATE = `
import duckdb, json, os, sys
path, limit, columns, requests = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
def q(name): return '"' + name.replace('"', '""') + '"'
out = []
con = duckdb.connect(path, read_only=True) if os.path.exists(path) else None
for table, workflow in requests:
    rows = None
    if con is not None and con.execute("select count(*) from information_schema.tables where table_schema = 'main' and table_name = ?", [table]).fetchone()[0]:
        cur = con.execute("select " + ", ".join(q(c) for c in columns) + " from main." + q(table)
                          + " where workflow = ? order by start_time desc limit " + str(limit), [workflow])
        rows = [dict(zip(columns, r)) for r in cur.fetchall()]
    out.append({"table": table, "rows": rows})
print(json.dumps(out, default=str))
`;

/**
 * The latest `limit` executions of each workflow (its state table, and its name), newest first; each
 * request's answer in order.
 */
export async function readLatestExecutions(
  projectDir: string,
  duckdbPath: string,
  requests: { table: string; workflow: string }[],
  limit: number,
): Promise<LatestExecutions[]> {
  const python = join(VENV_DIR, "bin", "python");
  if (!existsSync(python)) throw new Error(`no Python in ${VENV_DIR} to read the state table with`);
  const { execa } = await import("execa");
  const r = await execa(python, [
    "-c",
    READ_STATE,
    resolve(projectDir, duckdbPath),
    String(limit),
    JSON.stringify(STATE_COLUMNS),
    JSON.stringify(requests.map((q) => [q.table, q.workflow])),
  ]);
  return JSON.parse(r.stdout) as LatestExecutions[];
}
