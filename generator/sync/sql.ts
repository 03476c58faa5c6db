/**
 * The Snowflake statements of `gen sync`, as typed builders (pure): the destination tables, and one MERGE per
 * row so that a row synced twice (a retry, a backfill) is updated, never duplicated. Values travel as binds.
 */
import type { ColumnType } from "../plan/index.ts";

export interface SyncColumn {
  name: string;
  type: ColumnType;
}

export type Bind = string | number | boolean | null;

const SNOWFLAKE_TYPE: Record<ColumnType, string> = {
  string: "VARCHAR",
  integer: "NUMBER(38,0)",
  number: "FLOAT",
  timestamp: "TIMESTAMP_NTZ",
  boolean: "BOOLEAN",
  json: "VARIANT",
};

export const ATTEMPT_KEY = ["execution_id", "step", "call_number", "attempt"];
export const STATE_KEY = ["execution_id"];

/** When gen sync wrote the row (Snowflake time), beside the source's own columns. */
const SYNCED_AT = "synced_at";

export function createTableSql(target: string, columns: SyncColumn[]): string {
  const cols = columns.map((c) => `${c.name} ${SNOWFLAKE_TYPE[c.type]}`);
  return `CREATE TABLE IF NOT EXISTS ${target} (${[...cols, `${SYNCED_AT} TIMESTAMP_NTZ`].join(", ")})`;
}

/** A column the spec added after the table was made (Snowflake's ALTER TABLE ... ADD COLUMN). */
export function addColumnSql(target: string, column: SyncColumn): string {
  return `ALTER TABLE ${target} ADD COLUMN ${column.name} ${SNOWFLAKE_TYPE[column.type]}`;
}

/** The table's columns, one row each with its `name` (DESCRIBE TABLE). */
export function describeTableSql(target: string): string {
  return `DESCRIBE TABLE ${target}`;
}

function bindExpression(c: SyncColumn): string {
  if (c.type === "json") return `PARSE_JSON(?)`;
  if (c.type === "timestamp") return `TO_TIMESTAMP_NTZ(?)`;
  return "?";
}

/**
 * MERGE of `rows` rows keyed by `key` (the source is one SELECT of binds per row, UNION ALL): `?` binds in
 * column order, row after row (see bindsFor). One statement for all attempts of an execution saves round trips.
 */
export function mergeSql(target: string, columns: SyncColumn[], key: string[], rows = 1): string {
  const row = columns.map((c) => bindExpression(c)).join(", ");
  const first = columns.map((c) => `${bindExpression(c)} AS ${c.name}`).join(", ");
  const source = [`SELECT ${first}`, ...Array<string>(Math.max(0, rows - 1)).fill(`SELECT ${row}`)].join(
    " UNION ALL ",
  );
  const on = key.map((k) => `t.${k} = s.${k}`).join(" AND ");
  const update = [...columns.filter((c) => !key.includes(c.name)).map((c) => `${c.name} = s.${c.name}`)];
  update.push(`${SYNCED_AT} = SYSDATE()`);
  const names = columns.map((c) => c.name);
  return (
    `MERGE INTO ${target} t USING (${source}) s ON ${on}` +
    ` WHEN MATCHED THEN UPDATE SET ${update.join(", ")}` +
    ` WHEN NOT MATCHED THEN INSERT (${[...names, SYNCED_AT].join(", ")})` +
    ` VALUES (${[...names.map((n) => `s.${n}`), "SYSDATE()"].join(", ")})`
  );
}

/** The binds of mergeSql for a row read from the source (lower-case keys; JSON as text or as a value). */
export function bindsFor(columns: SyncColumn[], row: Record<string, unknown>): Bind[] {
  return columns.map((c) => {
    const v = row[c.name];
    if (v === undefined || v === null) return null;
    if (c.type === "json") return typeof v === "string" ? v : JSON.stringify(v);
    if (c.type === "boolean") return v === true || v === "true" || v === 1;
    if (c.type === "integer" || c.type === "number") return Number(v);
    return typeof v === "string" ? v : String(v);
  });
}
