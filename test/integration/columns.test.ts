import { describe, expect, it } from "vitest";
import type { ColumnDef, ColumnType } from "../../generator/plan/index.ts";
import { useProjects } from "./harness.ts";

/** DuckDB's name for each column type of the plan (information_schema.columns.data_type). */
const DUCKDB_TYPE: Record<ColumnType, string> = {
  string: "VARCHAR",
  integer: "INTEGER",
  number: "DOUBLE",
  timestamp: "TIMESTAMP",
  boolean: "BOOLEAN",
  json: "JSON",
};

// Real dbt + DuckDB: the tables a run creates have exactly the plan's columns, in its order, with its types,
// NOT NULL and defaults. A column added to the plan that the runtime does not create fails here.
describe("the plan's column lists are the tables' columns", { timeout: 180_000 }, () => {
  const build = useProjects();

  it("state table, attempt log and stateless result of specs/policy.yaml", async () => {
    const project = await build({ file: "specs/policy.yaml" }, { pendingPolls: 1 });
    const wf = project.plan.workflows[0]!;
    const run = await project.dbt(["run", "--select", wf.names.statefulModel, wf.names.statelessModel]);
    expect(run.exitCode, run.output).toBe(0);

    const columnsOf = async (table: string) =>
      (
        await project.query(
          "select column_name, data_type, is_nullable, column_default from information_schema.columns" +
            ` where table_name = '${table}' order by ordinal_position`,
        )
      ).map((c) => ({
        name: c.column_name,
        type: c.data_type,
        nullable: c.is_nullable === "YES",
        hasDefault: c.column_default !== null,
      }));
    const expected = (columns: ColumnDef[]) =>
      columns.map((c) => ({
        name: c.name,
        type: DUCKDB_TYPE[c.type],
        nullable: !c.notNull,
        hasDefault: c.default !== undefined,
      }));

    expect(await columnsOf(wf.definition.state.table)).toEqual(expected(wf.stateColumns));
    expect(await columnsOf(wf.definition.state.attempt_log_table)).toEqual(expected(wf.attemptColumns));
    // the result table is created from a select: no NOT NULL, no defaults
    expect((await columnsOf(wf.names.statelessModel)).map(({ name, type }) => ({ name, type }))).toEqual(
      expected(wf.resultColumns).map(({ name, type }) => ({ name, type })),
    );

    // a row that sets only its key has the plan's defaults, and null elsewhere
    await project.exec(`insert into ${wf.definition.state.table} (execution_id) values ('defaults')`);
    const [row] = await project.query(
      `select * from ${wf.definition.state.table} where execution_id = 'defaults'`,
    );
    for (const c of wf.stateColumns)
      if (c.name !== "execution_id") expect(row![c.name], c.name).toBe(c.default ?? null);
  });
});
