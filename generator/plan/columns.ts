/**
 * The columns of the tables gen's runtime writes: the state table and the attempt log of a stateful workflow,
 * and the one-row result of a stateless run. Each column is defined here once. The plan documents them
 * (schema.yml, README), passes them to the runtime in the workflow definition (which creates the tables and
 * builds the rows by looping over them), and `gen sync` creates and fills its Snowflake copies from them.
 */

export type ColumnType = "string" | "integer" | "number" | "timestamp" | "boolean" | "json";

/** An output as the columns see it: [name, JSONPath segments, JSONPath as written, column type]. */
type OutputDef = [string, unknown, string, ColumnType];

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** the value of a row that does not set the column, and of the existing rows when a later run adds it */
  default?: number | string | boolean;
  /** NOT NULL when the table is created (a column added to an existing table is always nullable) */
  notNull?: boolean;
  description: string;
}

/** A column as the runtime reads it from the workflow definition (runtime/macros/runtime/gen_ensure_state_tables.sql, gen_log_attempts.sql). */
export interface RuntimeColumn {
  name: string;
  type: ColumnType;
  not_null?: true;
  default?: number | string | boolean;
}

export function runtimeColumns(columns: readonly ColumnDef[]): RuntimeColumn[] {
  return columns.map((c) => ({
    name: c.name,
    type: c.type,
    ...(c.notNull ? { not_null: true as const } : {}),
    ...(c.default !== undefined ? { default: c.default } : {}),
  }));
}

/** What the state table's columns depend on in a workflow. */
export interface StateShape {
  steps: {
    name: string;
    outputs: OutputDef[];
    response_column: string;
    flags_on_start: string[];
    flags_on_success: string[];
  }[];
  output_columns: string[];
  flag_columns: string[];
  response_columns: string[];
  input_column: string;
  /** for_each: the key column, next to execution_id */
  key_column: string | null;
}

/** The state table: one row per execution, moved by one statement per transition. */
export function stateColumns(wf: StateShape): ColumnDef[] {
  const outputsByName = new Map(
    wf.steps.flatMap((s) => s.outputs.map(([n, , p, type]) => [n, { step: s.name, p, type }] as const)),
  );
  const responseOf = new Map(wf.steps.map((s) => [s.response_column, s.name]));
  return [
    { name: "execution_id", type: "string", notNull: true, description: "Unique execution identifier." },
    ...(wf.key_column === null
      ? []
      : [
          {
            name: wf.key_column,
            type: "string",
            description: "Key of the for_each row this execution runs for (as text).",
          } satisfies ColumnDef,
        ]),
    { name: "workflow", type: "string", description: "Workflow name." },
    ...wf.output_columns.map((n): ColumnDef => ({
      name: n,
      type: outputsByName.get(n)?.type ?? "string",
      description: `Output of step ${outputsByName.get(n)?.step}: \`${outputsByName.get(n)?.p}\` of its response.`,
    })),
    {
      name: "poll_count",
      type: "integer",
      default: 0,
      description: "Number of status polls made so far.",
    },
    { name: "status", type: "string", default: "pending", description: "Current execution status." },
    { name: "current_step", type: "string", description: "Step running, or the last one that ran." },
    {
      name: "steps_completed",
      type: "integer",
      default: 0,
      description: "Steps completed; a resumed run starts after them.",
    },
    { name: "start_time", type: "timestamp", description: "When the execution started (UTC)." },
    { name: "last_poll_time", type: "timestamp", description: "Time of the last status poll (UTC)." },
    { name: "end_time", type: "timestamp", description: "When the execution completed or failed (UTC)." },
    {
      name: "lease_owner",
      type: "string",
      description:
        "The dbt run (its invocation id) that holds or last held the execution; a run works only on executions it holds.",
    },
    {
      name: "lease_expires_at",
      type: "timestamp",
      description:
        "Until when the holder's lease lasts (UTC), renewed with each state write; after it another run may take the unfinished execution over.",
    },
    {
      name: "completed",
      type: "boolean",
      default: false,
      description: "True once every step succeeded.",
    },
    ...wf.flag_columns.map((f): ColumnDef => ({
      name: f,
      type: "boolean",
      default: false,
      description: `Flag set by ${wf.steps
        .filter((s) => s.flags_on_start.includes(f) || s.flags_on_success.includes(f))
        .map((s) => `${s.name} (${s.flags_on_start.includes(f) ? "on start" : "on success"})`)
        .join(", ")}.`,
    })),
    { name: "error_message", type: "string", description: "Why the execution failed (no secrets)." },
    { name: "message", type: "string", description: "Last progress message." },
    ...wf.response_columns.map((c): ColumnDef => ({
      name: c,
      type: "json",
      description: `Last response of step ${responseOf.get(c)}.`,
    })),
    { name: wf.input_column, type: "json", description: "The workflow input sent to the API." },
  ];
}

/** The attempt log: one row per HTTP attempt, appended before the state row moves on. */
export const ATTEMPT_LOG_COLUMNS: readonly ColumnDef[] = [
  { name: "execution_id", type: "string", notNull: true, description: "Execution the attempt belongs to." },
  { name: "workflow", type: "string", description: "Workflow name." },
  { name: "step", type: "string", description: "Step that made the call." },
  { name: "step_index", type: "integer", description: "Position of the step in the workflow, from 0." },
  { name: "call_number", type: "integer", description: "Call of the step, from 1 (each poll is a call)." },
  { name: "attempt", type: "integer", description: "Attempt of the call, from 1 (transient retries)." },
  { name: "http_method", type: "string", description: "HTTP method." },
  { name: "url", type: "string", description: "URL called, without its query string." },
  { name: "http_status", type: "integer", description: "HTTP status, or null when no response came." },
  {
    name: "outcome",
    type: "string",
    description:
      "How the attempt ended: success, retry or failed; skipped: the step's condition did not hold and no call was made.",
  },
  { name: "latency_ms", type: "integer", description: "Time the attempt took, in milliseconds." },
  { name: "error", type: "string", description: "Why the attempt failed (no secrets)." },
  {
    name: "response",
    type: "json",
    description: "Response of the call, on the row of its last attempt (null on the others).",
  },
  { name: "logged_at", type: "timestamp", description: "When the row was written (UTC)." },
];

/** The stateless model's result row: these columns, then one per output, then RESULT_COLUMNS_AFTER_OUTPUTS. */
export const RESULT_COLUMNS_BEFORE_OUTPUTS: readonly ColumnDef[] = [
  {
    name: "execution_id",
    type: "string",
    description: "Identifier of this stateless execution (not persisted elsewhere).",
  },
  { name: "workflow", type: "string", description: "Workflow name." },
  {
    name: "workflow_status",
    type: "string",
    description: "Final status of the workflow; error when it failed.",
  },
  { name: "message", type: "string", description: "Human-readable outcome; the failure when it failed." },
];

export const RESULT_COLUMNS_AFTER_OUTPUTS: readonly ColumnDef[] = [
  { name: "steps_completed", type: "integer", description: "Number of steps that completed." },
  {
    name: "http_calls",
    type: "integer",
    description: "HTTP calls made (polls included, transient retries not).",
  },
  { name: "poll_count", type: "integer", description: "Number of status polls." },
  { name: "elapsed_ms", type: "integer", description: "Wall time of the workflow in milliseconds." },
  { name: "responses", type: "json", description: "Outputs and last response of every step, as JSON." },
  {
    name: "execution_timestamp",
    type: "timestamp",
    description: "When the result row was written (UTC).",
  },
];

/** The stateless model's one-row result. */
export function resultColumns(steps: readonly { outputs: OutputDef[] }[]): ColumnDef[] {
  return [
    ...RESULT_COLUMNS_BEFORE_OUTPUTS,
    ...steps.flatMap((s) =>
      s.outputs.map(([o, , , type]): ColumnDef => ({
        name: o,
        type,
        description: `Output \`${o}\` extracted from the API response.`,
      })),
    ),
    ...RESULT_COLUMNS_AFTER_OUTPUTS,
  ];
}
