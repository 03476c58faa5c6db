/**
 * Validated string types of the plan. A value of one of these types can only come from its constructor,
 * which checks the form the spec validator already enforced: one that is wrong here is a bug of gen, not a
 * user error. Templates may print these values without an escaping filter (see render/index.ts); every
 * other string must go through the filter of the file's context.
 */
import { DBT_ARGS, DBT_PROJECT_SOURCE, SNOWFLAKE_NAME, TASK_SCHEDULE } from "../spec/schema.ts";
import { IDENTIFIER_PATTERN } from "../spec/identifiers.ts";

declare const validated: unique symbol;
type Validated<Kind extends string> = string & { readonly [validated]: Kind };

/** letters, digits and _, no leading digit: a DuckDB and Snowflake identifier, a dbt node or macro name */
export type SqlIdentifier = Validated<"SqlIdentifier">;
/** an unquoted Snowflake name, optionally qualified (DB.SCHEMA.NAME), never containing `$$` */
export type SnowflakeName = Validated<"SnowflakeName">;
/** `<n> MINUTES` (or SECONDS, HOURS) or `USING CRON <expr> <time_zone>` */
export type TaskSchedule = Validated<"TaskSchedule">;
/** dbt arguments of a task: a command and options, no quotes, backslashes, `;`, `$` or line breaks */
export type DbtArgs = Validated<"DbtArgs">;
/** a stage path, `@DB.SCHEMA.STAGE/path`: printed inside a string literal (sf_str), like any text */
export type StagePath = Validated<"StagePath">;

function check<T extends string>(kind: string, pattern: RegExp, value: string): T {
  if (!pattern.test(value) || value.includes("$$"))
    throw new Error(`internal: ${JSON.stringify(value)} is not a valid ${kind}`);
  return value as T;
}

export const sqlIdentifier = (value: string): SqlIdentifier =>
  check<SqlIdentifier>("SQL identifier", IDENTIFIER_PATTERN, value);

export const snowflakeName = (value: string): SnowflakeName =>
  check<SnowflakeName>("Snowflake name", SNOWFLAKE_NAME, value);

export const taskSchedule = (value: string): TaskSchedule =>
  check<TaskSchedule>("task schedule", TASK_SCHEDULE, value);

export const dbtArgs = (value: string): DbtArgs => check<DbtArgs>("dbt argument list", DBT_ARGS, value);

export const stagePath = (value: string): StagePath =>
  check<StagePath>("stage path", DBT_PROJECT_SOURCE, value);

/**
 * May a template print this string without an escaping filter? Exactly the strings of the name forms
 * above (an identifier is also a Snowflake name): letters, digits, `_`, single `$` and dots, which mean
 * nothing special in SQL, Jinja, YAML, Python or Markdown. Schedules and dbt arguments contain spaces and
 * `*`, so a template escapes them for its context like any other text.
 */
export function isPrintableName(value: string): boolean {
  return SNOWFLAKE_NAME.test(value) && !value.includes("$$");
}
