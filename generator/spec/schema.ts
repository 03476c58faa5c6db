/**
 * The spec (v1) as a zod schema. The TypeScript types (output side, defaults applied) and the
 * published JSON Schema (input side) both come from it. Identifiers are plain strings here (with
 * the pattern in the JSON Schema); the `invalid-identifier` rule checks them with proper hints.
 */
import * as z from "zod";
import type { Diagnostic } from "../errors.ts";
import { IDENTIFIER_PATTERN_SOURCE, MAX_IDENTIFIER_LENGTH } from "./identifiers.ts";
import { formatPath, type SourceIndex } from "./load.ts";
import { didYouMean } from "./suggest.ts";

export const SPEC_VERSION = 1;
export const TARGETS = ["duckdb", "snowflake"] as const;
/** A spec opts into Snowflake by naming it: the snowflake target needs settings only the user knows. */
export const DEFAULT_TARGETS = ["duckdb"] as const satisfies readonly (typeof TARGETS)[number][];
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export const RETRY_ON = ["connect", "timeout", "429", "5xx"] as const;
export const MODES = ["stateful", "stateless"] as const;
export const DEFAULT_INPUT_COLUMN = "input_data";
export const DEFAULT_DUCKDB_PATH = "gen.duckdb";

/** A fan-out run keeps its rows in the state table: it has no stateless form. */
export const defaultModes = (forEach: boolean): (typeof MODES)[number][] =>
  forEach ? ["stateful"] : [...MODES];
export const defaultResponseColumn = (stepName: string): string => `${stepName}_response`;
export const defaultStateTable = (workflowName: string): string => `${workflowName}_state`;
export const defaultAttemptLogTable = (workflowName: string): string => `${workflowName}_attempts`;
/** The archive of a state table or attempt log (`state.archive`): its name with `_archive` appended. */
export const archiveTableOf = (table: string): string => `${table}_archive`;

const ident = (description: string) =>
  z.string().meta({ description, pattern: IDENTIFIER_PATTERN_SOURCE, maxLength: MAX_IDENTIFIER_LENGTH });
const text = (description: string) => z.string().describe(description);
const templated = (description: string) =>
  z.string().describe(`${description}; may contain \${...} references`);

const jsonValue = z.json();

const duckdbSchema = z
  .strictObject({
    path: text("DuckDB database file, relative to the generated project").default(DEFAULT_DUCKDB_PATH),
  })
  .describe("settings of the duckdb target");

/** Snowflake object names go into DDL unquoted: an identifier, or up to three of them joined by dots. */
export const SNOWFLAKE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$/;
/** A warehouse is never qualified. */
/** Schema of the auto-restart log tables: SCHEMA or DATABASE.SCHEMA, unquoted on DuckDB and Snowflake alike. */
export const LOG_SCHEMA = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
export const SNOWFLAKE_SINGLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * The two forms of a task schedule, from Snowflake's CREATE TASK reference
 * (https://docs.snowflake.com/en/sql-reference/sql/create-task):
 * `SCHEDULE = { '<num> { HOURS | MINUTES | SECONDS }' | 'USING CRON <expr> <time_zone>' }` (older releases
 * document `<num> MINUTE`, so the singular is accepted too). A cron expression has five fields.
 */
export const TASK_SCHEDULE =
  /^(?:[1-9][0-9]{0,6} (?:SECONDS?|MINUTES?|HOURS?)|USING CRON(?: [0-9A-Za-z*,/#?-]+){5} [A-Za-z][A-Za-z0-9_+/-]*)$/;

/**
 * Where CREATE DBT PROJECT takes the project from: a stage path, `@DB.SCHEMA.STAGE/path` (a Git repository
 * stage reads `@DB.SCHEMA.REPO/branches/<branch>/<path>`). https://docs.snowflake.com/sql-reference/sql/create-dbt-project
 * No quotes, backslashes, spaces or `..` segments: it goes into a string literal of the setup SQL.
 */
export const DBT_PROJECT_SOURCE =
  /^@[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*){0,2}(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9_.=-]+)*\/?$/;

/** dbt arguments of a task: a dbt command, then options and selectors; no quotes, `;`, `$` or line breaks. */
export const DBT_ARGS = /^[a-z][a-z-]*(?: [A-Za-z0-9_.:+@*/,=%-]+)*$/;

/**
 * Hints of the format checks below, by message: zod carries no hint, and the validator turns the message
 * into the diagnostic (see issueToDiagnostic).
 */
const FORMAT_HINTS = new Map<string, string>();

/** A string checked against `pattern`, with a diagnostic message and hint of its own. */
function formatted(pattern: RegExp, message: string, hint: string) {
  FORMAT_HINTS.set(message, hint);
  return z.string().regex(pattern, { message });
}

const DOLLAR_QUOTE_MESSAGE = 'must not contain "$$"';
FORMAT_HINTS.set(
  DOLLAR_QUOTE_MESSAGE,
  "$$ starts a $$-quoted body in Snowflake SQL, so it cannot be part of an unquoted name; rename it",
);

const snowflakeName = (description: string) =>
  formatted(
    SNOWFLAKE_NAME,
    "must be an unquoted Snowflake name: letters, digits, _ and $, optionally DB.SCHEMA.NAME",
    "names go into the setup SQL unquoted: no spaces, quotes, dashes or other punctuation",
  )
    .refine((v) => !v.includes("$$"), { message: DOLLAR_QUOTE_MESSAGE })
    .describe(description);

const snowflakeSchema = z
  .strictObject({
    warehouse: snowflakeName(
      "warehouse dbt and the tasks run on; required by the snowflake target",
    ).optional(),
    database: snowflakeName("database of the generated objects; required by the snowflake target").optional(),
    schema: snowflakeName("schema of the generated objects; required by the snowflake target").optional(),
    role: snowflakeName(
      "role that runs the dbt project (the profiles.yml role); required by the snowflake target",
    ).optional(),
    owner_role: snowflakeName(
      "role that creates and owns the generated objects; default: the role the setup is applied with",
    ).optional(),
    external_access_integration: snowflakeName(
      "EXTERNAL ACCESS INTEGRATION used by the HTTP procedure",
    ).optional(),
    dbt_project_object: snowflakeName(
      "DBT PROJECT object (database.schema.name) for EXECUTE DBT PROJECT",
    ).optional(),
    dbt_project_source: formatted(
      DBT_PROJECT_SOURCE,
      "must be a stage path: @DB.SCHEMA.STAGE/path",
      "e.g. '@EDW.O2C_AUDIT.GEN_REPO/branches/main/out/policy_workflows' (a Git repository stage); " +
        "letters, digits, _, -, . and = between the slashes",
    )
      .refine((v) => !v.includes("$$"), { message: DOLLAR_QUOTE_MESSAGE })
      .describe(
        "stage path the generated project is read from; when set, the setup SQL creates the DBT PROJECT object",
      )
      .optional(),
    network_rule: snowflakeName("NETWORK RULE that lists the hosts of the connections").optional(),
    secrets_schema: snowflakeName("schema that holds the SECRET objects for ${secret.X}").optional(),
  })
  .describe("settings of the snowflake target; used by that target only");

const projectSchema = z
  .strictObject({
    name: ident("dbt project name"),
    description: text("what the project is for").optional(),
    targets: z
      .array(z.enum(TARGETS))
      .min(1)
      .default([...DEFAULT_TARGETS])
      .describe("targets to generate profiles and setup for; snowflake needs project.snowflake settings"),
    duckdb: duckdbSchema.prefault({}),
    snowflake: snowflakeSchema.prefault({}),
  })
  .describe("the generated dbt project");

const authSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("bearer"), token: templated("bearer token, usually ${secret.NAME}") }),
    z.strictObject({
      type: z.literal("basic"),
      username: templated("user name"),
      password: templated("password, usually ${secret.NAME}"),
    }),
    z.strictObject({
      type: z.literal("header"),
      name: text("header name, e.g. X-API-Key"),
      value: templated("header value, usually ${secret.NAME}"),
    }),
    z.strictObject({ type: z.literal("none") }),
  ])
  .describe("how requests authenticate");

const retryOnSchema = z.union([
  z.literal(RETRY_ON), // not z.enum: that would list "429" first
  // YAML reads an unquoted 429 as a number
  z.literal(429).transform(() => "429" as const),
]);

const retrySchema = z
  .strictObject({
    max_attempts: z.number().int().min(1).default(3).describe("attempts per request, the first included"),
    backoff_s: z.number().min(0).default(1).describe("wait before the first retry, doubled after each"),
    max_backoff_s: z.number().positive().default(30).describe("cap of the wait between retries"),
    on: z
      .array(retryOnSchema)
      .default([...RETRY_ON])
      .describe("failures that are retried"),
  })
  .describe("retries of one HTTP request");

const connectionSchema = z
  .strictObject({
    base_url: templated(
      "http(s) URL the step paths are appended to, e.g. ${env.API_URL:-http://127.0.0.1:8787}",
    ),
    headers: z
      .record(z.string(), templated("header value"))
      .default({})
      .describe("headers sent with every request"),
    auth: authSchema.optional(),
    timeout_s: z.number().positive().default(30).describe("timeout of one HTTP request, in seconds"),
    retry: retrySchema.prefault({}),
  })
  .describe("an HTTP API that steps call");

/** A status as the API answers it: compared with the response's value by JSON type (true is not "true", 1 is not "1"). */
const statusValue = z
  .union([z.string(), z.number(), z.boolean()])
  .describe('a status value: text, number or boolean, matched with the same JSON type (true is not "true")');

const pollSchema = z
  .strictObject({
    status: text("JSONPath of the status in the response, e.g. $.status"),
    success: z.array(statusValue).min(1).describe("statuses that end polling successfully"),
    pending: z.array(statusValue).default([]).describe("statuses that mean: poll again"),
    failure: z.array(statusValue).default([]).describe("statuses that fail the workflow"),
    max_attempts: z.number().int().min(1).default(10).describe("polls before giving up"),
    interval_s: z.number().min(0).default(5).describe("wait between polls, in seconds"),
    backoff: z.enum(["fixed", "exponential"]).default("fixed").describe("exponential: with jitter, capped"),
    max_interval_s: z.number().positive().default(60).describe("cap of the wait between polls"),
    timeout_s: z.number().positive().default(3600).describe("give up after this long, in seconds"),
  })
  .describe("poll the request until the status is in success or failure");

const requestSchema = z
  .strictObject({
    connection: text("name of a connection"),
    method: z.enum(HTTP_METHODS).default("GET"),
    path: templated("path appended to the connection's base_url").startsWith("/"),
    query: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe("query parameters; string values may contain ${...}"),
    headers: z.record(z.string(), templated("header value")).optional().describe("headers of this request"),
    body: jsonValue
      .optional()
      .describe("JSON body; strings may contain ${...}, a string that is one ${...} keeps the value's type"),
    idempotency_key: templated("sent as the Idempotency-Key header").optional(),
  })
  .describe("the HTTP request of a step");

export const OUTPUT_TYPES = ["string", "number", "boolean", "json", "timestamp"] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

const typedOutputSchema = z
  .strictObject({
    path: text("JSONPath into the response, e.g. $.score"),
    type: z
      .enum(OUTPUT_TYPES)
      .default("string")
      .describe(
        "type of the column: string, number, boolean, json (the value as it is) or timestamp; a value that does not convert fails the step",
      ),
  })
  .describe("an output with the type of its column");

const flagsSchema = z
  .strictObject({
    on_start: z
      .array(ident("boolean state column"))
      .default([])
      .describe("flags set true when the step starts"),
    on_success: z
      .array(ident("boolean state column"))
      .default([])
      .describe("flags set true when the step succeeds"),
  })
  .describe("boolean state-table columns this step sets");

const whenSchema = z
  .strictObject({
    flag: ident("run the step only when an earlier step has set this flag").optional(),
    output: text(
      "<step>.<output>: an output of an earlier step, compared with equals or not_equals",
    ).optional(),
    equals: jsonValue.optional().describe("run the step only when the output has this value"),
    not_equals: jsonValue.optional().describe("run the step only when the output does not have this value"),
  })
  .describe(
    "run the step only when this holds, else skip it (recorded as skipped) and go on: { flag: <flag> } or { output: <step>.<output>, equals: <value> }",
  );

const stepSchema = z
  .strictObject({
    name: ident("step name"),
    description: text("what the step does").optional(),
    request: requestSchema,
    outputs: z
      .record(
        ident("output name"),
        z.union([text("JSONPath into the response, e.g. $.id"), typedOutputSchema]),
      )
      .default({})
      .describe(
        "values taken from the response; each becomes a state-table column (text unless it declares a type)",
      ),
    poll: pollSchema.optional(),
    sets_status: text("workflow status after this step succeeds").optional(),
    response_column: ident(
      "state-table column holding this step's last response; default <step>_response",
    ).optional(),
    flags: flagsSchema.prefault({}),
    when: whenSchema.optional(),
  })
  .transform((s) => ({ ...s, response_column: s.response_column ?? defaultResponseColumn(s.name) }))
  .describe("one HTTP call, made once or polled");

/** How long a run holds an execution without renewing it before another run may take it over. */
export const DEFAULT_LEASE_MINUTES = 30;

const stateSchema = z
  .strictObject({
    table: ident("state table; default <workflow>_state").optional(),
    attempt_log_table: ident("attempt log table; default <workflow>_attempts").optional(),
    input_column: ident("state-table column holding the input").default(DEFAULT_INPUT_COLUMN),
    retention_days: z
      .number()
      .positive()
      .default(7)
      .describe("completed executions older than this are deleted (or archived, with archive: true)"),
    archive: z
      .boolean()
      .default(false)
      .describe(
        "true: completed executions older than retention_days move, with their attempt rows, to the tables <state table>_archive and <attempt log table>_archive instead of being deleted",
      ),
    stuck_after_hours: z
      .number()
      .positive()
      .default(1)
      .describe("active executions older than this are stuck"),
    lease_minutes: z
      .number()
      .positive()
      .default(DEFAULT_LEASE_MINUTES)
      .describe(
        "a run holds each execution it works on for this long, renewed with every state write; another run leaves a held execution alone, and takes over one whose holder stopped renewing (a crashed run). Longer than the longest single HTTP call (with its retries) or poll interval",
      ),
  })
  .describe("state table of the stateful mode");

/** `dbt ls --select tag:x,y` splits on commas and spaces, so a tag holds neither (nor anything exotic). */
const DBT_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** How many HTTP calls a fan-out workflow keeps in flight at once. */
export const DEFAULT_CONCURRENCY = 8;
export const MAX_CONCURRENCY = 64;

const forEachSchema = z
  .strictObject({
    model: ident("dbt model or seed whose rows the workflow runs for (read with ref())"),
    key: ident("column of the model that names a row: one execution per distinct value"),
    max_failed_rows: z
      .int()
      .min(0)
      .default(0)
      .describe(
        "how many rows may fail in one run before the model fails; default 0: any failed row fails it",
      ),
  })
  .describe("runs the workflow once per row of a dbt model, ${row.<column>} reads the row");

const workflowSchema = z
  .strictObject({
    name: ident("workflow name"),
    description: text("what the workflow does").optional(),
    modes: z
      .array(z.enum(MODES))
      .min(1)
      .optional()
      .describe("which models to generate; default both, or stateful alone with for_each"),
    tags: z
      .array(
        z.string().regex(DBT_TAG, {
          message: "must be a dbt tag that a selector can name: letters, digits, _, - and .",
        }),
      )
      .default([])
      .describe("dbt tags of the workflow's models, for `dbt run --select tag:<tag>`"),
    input: jsonValue
      .default({})
      .describe(
        "the workflow input, ${input}; any JSON value. Its values are defaults: a run can give others (dbt run --vars '{<workflow>: {<name>: value}}'); strings may hold ${env.NAME} and ${var.NAME}, read when the run starts",
      ),
    for_each: forEachSchema.optional(),
    concurrency: z
      .int()
      .min(1)
      .max(MAX_CONCURRENCY)
      .default(DEFAULT_CONCURRENCY)
      .describe("with for_each: HTTP calls in flight at once"),
    steps: z.array(stepSchema).min(1).describe("the steps, run in order"),
    state: stateSchema.prefault({}),
    sync: z
      .boolean()
      .optional()
      .describe(
        "false: this workflow's executions are not queued for `gen sync` (default: the sync block decides)",
      ),
  })
  .transform((w) => {
    const table = w.state.table ?? defaultStateTable(w.name);
    const attemptLogTable = w.state.attempt_log_table ?? defaultAttemptLogTable(w.name);
    return {
      ...w,
      modes: w.modes ?? defaultModes(w.for_each !== undefined),
      state: {
        ...w.state,
        table,
        attempt_log_table: attemptLogTable,
        archive_table: w.state.archive ? archiveTableOf(table) : null,
        attempt_log_archive_table: w.state.archive ? archiveTableOf(attemptLogTable) : null,
      },
    };
  })
  .describe("a chain of HTTP calls");

const taskSchema = z.strictObject({
  name: ident("Snowflake task name"),
  schedule: formatted(
    TASK_SCHEDULE,
    'must be a Snowflake task schedule: "<n> MINUTES" (or SECONDS, HOURS) or "USING CRON <5 fields> <time zone>"',
    'e.g. "60 MINUTES" or "USING CRON 0 6 * * * UTC"',
  ).describe('task schedule, e.g. "USING CRON 0 6 * * * UTC" or "60 MINUTES"'),
  args: formatted(
    DBT_ARGS,
    "must be dbt arguments: a dbt command, then options separated by single spaces",
    'e.g. "build" or "run --select tag:hourly"; quotes, backslashes, ;, $, braces and line breaks are not accepted',
  ).describe('dbt arguments, e.g. "build" or "run --select tag:hourly"'),
  warehouse: formatted(
    SNOWFLAKE_SINGLE_NAME,
    "must be an unquoted Snowflake warehouse name: letters, digits, _ and $",
    "the warehouse goes into CREATE TASK unquoted: no spaces, dots, quotes or other punctuation",
  )
    .refine((v) => !v.includes("$$"), { message: DOLLAR_QUOTE_MESSAGE })
    .describe("warehouse of the task; default project.snowflake.warehouse")
    .optional(),
});

const autoRestartSchema = z
  .strictObject({
    max_retries: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe("consecutive selective retries before a full build"),
    max_age_hours: z.number().positive().default(24).describe("failures older than this are not retried"),
    max_run_hours: z
      .number()
      .positive()
      .default(4)
      .describe(
        "a run that has not ended and started less than this long ago is taken as still running: a task that starts meanwhile skips",
      ),
    tasks: z.array(taskSchema).default([]).describe("Snowflake tasks that run the project"),
    run_log_table: ident("table of one row per dbt run").default("dbt_run_log"),
    model_log_table: ident("table of one row per node a dbt run ran").default("dbt_model_log"),
    schema: formatted(
      LOG_SCHEMA,
      "must be a schema name, or DATABASE.SCHEMA: letters, digits and _",
      "the name goes into SQL unquoted: no spaces, quotes, dashes or other punctuation",
    )
      .describe("schema (or DATABASE.SCHEMA) of the two log tables; default the schema dbt builds into")
      .optional(),
  })
  .describe("retry failed models on the next run");

const syncSchema = z
  .strictObject({
    schema: snowflakeName(
      "Snowflake schema (DATABASE.SCHEMA) of the synced tables; default project.snowflake database and schema",
    ).optional(),
    max_retries: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe("attempts per execution before it is marked failed"),
    backoff_s: z
      .number()
      .min(0)
      .default(30)
      .describe("wait before a failed sync is tried again (doubles each time)"),
    interval_s: z.number().positive().default(30).describe("how often `gen sync` looks at the queue"),
    concurrency: z.number().int().min(1).max(32).default(5).describe("executions uploaded at the same time"),
    batch_size: z.number().int().min(1).default(50).describe("queue items claimed per round"),
    workflows: z
      .array(ident("workflow name"))
      .min(1)
      .optional()
      .describe("the stateful workflows whose executions are synced; default every stateful workflow"),
  })
  .describe("queue every finished stateful execution for `gen sync` to upload to Snowflake");

/**
 * An alert's schedule, from Snowflake's CREATE ALERT reference
 * (https://docs.snowflake.com/en/sql-reference/sql/create-alert): `'<num> MINUTE'` or
 * `'USING CRON <expr> <time_zone>'` (the plural MINUTES is accepted as for tasks).
 */
export const ALERT_SCHEDULE =
  /^(?:[1-9][0-9]{0,6} MINUTES?|USING CRON(?: [0-9A-Za-z*,/#?-]+){5} [A-Za-z][A-Za-z0-9_+/-]*)$/;

/** An email address as it may appear in a SQL string literal: no quotes, commas, spaces or backslashes. */
export const EMAIL_ADDRESS = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

const alertsSchema = z
  .strictObject({
    severity: z
      .enum(["error", "warn"])
      .default("error")
      .describe(
        "what `dbt test` and `dbt build` do when an alert condition holds: error fails the command, warn only warns",
      ),
    stuck_after_minutes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "an unfinished execution older than this is reported as stuck; default each workflow's state.stuck_after_hours",
      ),
    notification_integration: formatted(
      SNOWFLAKE_SINGLE_NAME,
      "must be an unquoted Snowflake integration name: letters, digits, _ and $",
      "the name of an existing notification integration (CREATE NOTIFICATION INTEGRATION), unquoted",
    )
      .refine((v) => !v.includes("$$"), { message: DOLLAR_QUOTE_MESSAGE })
      .optional()
      .describe(
        "Snowflake notification integration the alert sends with; required when the project targets Snowflake",
      ),
    recipients: z
      .array(
        formatted(
          EMAIL_ADDRESS,
          "must be an email address",
          "e.g. ops@example.com; each address must be verified in Snowflake and allowed by the integration",
        ),
      )
      .min(1)
      .optional()
      .describe(
        "email addresses the Snowflake alert writes to (SYSTEM$SEND_EMAIL); default the integration's own recipients",
      ),
    schedule: formatted(
      ALERT_SCHEDULE,
      'must be a Snowflake alert schedule: "<n> MINUTE" or "USING CRON <5 fields> <time zone>"',
      'e.g. "60 MINUTE" or "USING CRON 0 * * * * UTC"',
    )
      .default("60 MINUTE")
      .describe("how often the Snowflake alert checks"),
    warehouse: formatted(
      SNOWFLAKE_SINGLE_NAME,
      "must be an unquoted Snowflake warehouse name (letters, digits, _ and $)",
      "the warehouse goes into CREATE ALERT unquoted: no spaces, dots, quotes or other punctuation",
    )
      .refine((v) => !v.includes("$$"), { message: DOLLAR_QUOTE_MESSAGE })
      .optional()
      .describe("warehouse the Snowflake alert runs on; default project.snowflake.warehouse"),
  })
  .describe(
    "report failed and stuck executions (and exhausted auto-restarts, failed syncs): dbt tests on every target, a Snowflake alert that sends a notification",
  );

export const specSchema = z
  .strictObject({
    version: z.literal(SPEC_VERSION).describe("spec format version"),
    project: projectSchema,
    // Both optional: a spec with only auto_restart builds a package for an existing dbt project. A spec with
    // neither workflows nor auto_restart has nothing to build (rule nothing-to-do).
    connections: z
      .record(ident("connection name"), connectionSchema)
      .refine((c) => Object.keys(c).length > 0, { message: "define at least one connection" })
      .meta({ minProperties: 1, description: "HTTP APIs, by name" })
      .default({}),
    workflows: z
      .array(workflowSchema)
      .min(1)
      .describe("the workflows; none for a spec with only auto_restart")
      .default([]),
    auto_restart: autoRestartSchema.optional(),
    sync: syncSchema.optional(),
    alerts: alertsSchema.optional(),
  })
  .describe("gen workflow spec");

export type Spec = z.output<typeof specSchema>;
export type SpecInput = z.input<typeof specSchema>;
export type Workflow = Spec["workflows"][number];
export type Step = Workflow["steps"][number];
export type Connection = Spec["connections"][string];
export type PollConfig = NonNullable<Step["poll"]>;
export type RetryPolicy = Connection["retry"];
export type Auth = NonNullable<Connection["auth"]>;
export type AutoRestart = NonNullable<Spec["auto_restart"]>;
export type SyncSettings = NonNullable<Spec["sync"]>;
export type AlertSettings = NonNullable<Spec["alerts"]>;

export const JSON_SCHEMA_ID = "https://gen.dev/schema/gen-spec.schema.json";

/** Drop zod-only keywords that are not JSON Schema (e.g. `format: "starts_with"`). */
function cleanJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(cleanJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "format" && v === "starts_with") continue;
    out[k] = cleanJsonSchema(v);
  }
  return out;
}

/** The published JSON Schema (input side: keys with defaults are optional). */
export function specJsonSchema(): Record<string, unknown> {
  // zod names the recursive JSON value definition `__schema0`; give it a readable name
  const raw = JSON.stringify(z.toJSONSchema(specSchema, { io: "input" }))
    .replaceAll('"__schema0"', '"JsonValue"')
    .replaceAll('/__schema0"', '/JsonValue"');
  const generated = cleanJsonSchema(JSON.parse(raw)) as Record<string, unknown>;
  const { $schema, description: _description, additionalProperties, ...rest } = generated;
  return {
    $schema,
    $id: JSON_SCHEMA_ID,
    title: "gen spec (v1)",
    description:
      "A gen workflow spec, compiled by `gen build` into a dbt project (README.md of gen, section The spec).",
    ...rest,
    // top-level x-* keys are ignored (room for YAML anchors)
    patternProperties: { [EXTENSION_KEY.source]: {} },
    additionalProperties,
  };
}

// ---------------------------------------------------------------------------------------------
// zod issues -> diagnostics

type Issue = z.core.$ZodIssue;

/** Unwrap optional/default/pipe/... wrappers. */
function unwrapSchema(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = s._zod.def as unknown as {
      type: string;
      innerType?: z.core.$ZodType;
      in?: z.core.$ZodType;
      getter?: () => z.core.$ZodType;
    };
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else if (def.type === "lazy" && def.getter) s = def.getter();
    else return s;
  }
  return s;
}

/** The keys allowed in the object schema that validates `path` in `data`, for did-you-mean. */
export function allowedKeysAt(path: readonly PropertyKey[], data: unknown): string[] | undefined {
  let schema: z.core.$ZodType = specSchema;
  let value: unknown = data;
  const step = (s: z.core.$ZodType, v: unknown): z.core.$ZodType | undefined => {
    const u = unwrapSchema(s);
    const def = u._zod.def as unknown as { type: string; options?: z.core.$ZodType[] };
    if (def.type !== "union" || !def.options) return u;
    // pick the union member whose literal fields match the data (the discriminated auth)
    for (const option of def.options) {
      const o = unwrapSchema(option);
      const shape = (o._zod.def as unknown as { shape?: Record<string, z.core.$ZodType> }).shape;
      if (!shape) continue;
      const ok = Object.entries(shape).every(([k, f]) => {
        const fd = f._zod.def as unknown as { type: string; values?: unknown[] };
        return (
          fd.type !== "literal" || (fd.values ?? []).includes((v as Record<string, unknown> | undefined)?.[k])
        );
      });
      if (ok) return o;
    }
    return undefined;
  };
  for (const seg of [...path, null]) {
    const s = step(schema, value);
    if (!s) return undefined;
    const def = s._zod.def as unknown as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
    };
    if (seg === null) return def.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
    let next: z.core.$ZodType | undefined;
    if (def.type === "object" && def.shape) next = def.shape[String(seg)];
    else if (def.type === "array") next = def.element;
    else if (def.type === "record") next = def.valueType;
    if (!next) return undefined;
    schema = next;
    value = (value as Record<PropertyKey, unknown> | undefined)?.[seg as string];
  }
  return undefined;
}

/** `string "abc"`, `number 3`, `a list`, `a mapping`, `nothing (an empty value)`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "nothing (an empty value)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") {
    const shown = v.length > 40 ? `${v.slice(0, 37)}...` : v;
    return `string ${JSON.stringify(shown)}`;
  }
  return `${typeof v} ${String(v)}`;
}

const EXPECTED_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "a boolean (true or false)",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  literal: "a fixed value",
};

function showValues(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
}

function getAt(data: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, seg)) {
      return { found: false, value: undefined };
    }
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return { found: true, value: v };
}

/** A short name for the value at `path`: its key, with the indices after it (`targets[2]`). */
function lastKey(path: readonly PropertyKey[]): string {
  let i = path.length - 1;
  while (i >= 0 && typeof path[i] === "number") i--;
  if (i < 0) return path.length ? formatPath(path) : "spec";
  return formatPath([String(path[i]), ...path.slice(i + 1)]).replace(/^\["(.*)"\]/, "$1");
}

/** Values a union accepts, gathered from its members' issues (for "expected one of ..."). */
function unionExpectation(issue: Extract<Issue, { code: "invalid_union" }>): string | undefined {
  const values: unknown[] = [];
  const types: string[] = [];
  for (const branch of issue.errors) {
    for (const sub of branch) {
      if (sub.path.length > 0) continue;
      if (sub.code === "invalid_value") values.push(...sub.values);
      else if (sub.code === "invalid_type") types.push(EXPECTED_NAMES[sub.expected] ?? sub.expected);
    }
  }
  if (values.length > 0 && types.length === 0)
    return `one of ${showValues([...new Set(values.map(String))])}`;
  if (types.length > 0 && values.length === 0) {
    const unique = [...new Set(types)];
    return unique.length === 1 ? unique[0] : `${unique.slice(0, -1).join(", ")} or ${unique.at(-1)}`;
  }
  return undefined;
}

function issueToDiagnostic(issue: Issue, data: unknown, source: SourceIndex): Diagnostic {
  const path = issue.path as PropertyKey[];
  const at = getAt(data, path);
  const input = at.value;
  const base = { severity: "error" as const, path: formatPath(path) };
  const loc = (p: readonly PropertyKey[] = path, key = false) => source.locate(p, { key });
  const missing = !at.found && path.length > 0;

  if (missing && issue.code !== "unrecognized_keys") {
    const parent = path.slice(0, -1);
    let hint: string | undefined;
    if (issue.code === "invalid_union" && "options" in issue && Array.isArray(issue.options)) {
      hint = `${lastKey(path)} is one of ${showValues(issue.options as unknown[])}`;
    }
    return {
      ...base,
      code: "missing-key",
      message: `missing required key "${lastKey(path)}"${parent.length ? ` in ${formatPath(parent)}` : ""}`,
      ...(hint ? { hint } : {}),
      location: loc(parent, true),
    };
  }

  switch (issue.code) {
    case "unrecognized_keys": {
      // one diagnostic per key is produced by the caller; this handles the first
      const key = issue.keys[0] ?? "";
      const allowed = allowedKeysAt(path, data) ?? [];
      return {
        ...base,
        code: "unknown-key",
        path: formatPath([...path, key]),
        message: `unknown key "${key}"${path.length ? ` in ${formatPath(path)}` : ""}`,
        hint:
          didYouMean(key, allowed) ?? (allowed.length ? `allowed keys: ${allowed.join(", ")}` : undefined),
        location: loc([...path, key], true),
      };
    }
    case "invalid_type": {
      const expected = EXPECTED_NAMES[issue.expected] ?? issue.expected;
      const hint =
        issue.expected === "string" && (typeof input === "number" || typeof input === "boolean")
          ? `write it in quotes: "${String(input)}"`
          : issue.expected === "int" && typeof input === "number"
            ? "use a whole number"
            : undefined;
      return {
        ...base,
        code: "invalid-type",
        message: `${lastKey(path)}: expected ${expected}, got ${describeValue(input)}`,
        ...(hint ? { hint } : {}),
        location: loc(),
      };
    }
    case "invalid_value": {
      if (path.length === 1 && path[0] === "version") {
        return {
          ...base,
          code: "unsupported-version",
          message: `unsupported spec version ${JSON.stringify(input)}`,
          hint: `this gen reads version: ${SPEC_VERSION}`,
          location: loc(),
        };
      }
      const values = issue.values;
      const hint = typeof input === "string" ? didYouMean(input, values.map(String)) : undefined;
      return {
        ...base,
        code: "invalid-value",
        message:
          values.length === 1
            ? `${lastKey(path)}: expected ${showValues(values)}, got ${describeValue(input)}`
            : `${lastKey(path)}: expected one of ${showValues(values)}, got ${describeValue(input)}`,
        ...(hint ? { hint } : {}),
        location: loc(),
      };
    }
    case "invalid_union": {
      if ("discriminator" in issue && issue.discriminator) {
        const options = (("options" in issue ? issue.options : []) as unknown[]).map(String);
        const hint = typeof input === "string" ? didYouMean(input, options) : undefined;
        return {
          ...base,
          code: "invalid-value",
          message: `${lastKey(path)}: expected one of ${options.join(", ")}, got ${describeValue(input)}`,
          ...(hint ? { hint } : {}),
          location: loc(),
        };
      }
      // a value with the shape of one member (a mapping, for an output's { path, type }): that member's own issue
      const member = issue.errors.find((b) => b.length > 0 && b.every((sub) => sub.path.length > 0));
      if (member?.[0])
        return issueToDiagnostic({ ...member[0], path: [...path, ...member[0].path] } as Issue, data, source);
      const expectation = unionExpectation(issue);
      const hint =
        typeof input === "string"
          ? didYouMean(
              input,
              issue.errors.flatMap((b) =>
                b.flatMap((s) => (s.code === "invalid_value" ? s.values.map(String) : [])),
              ),
            )
          : undefined;
      return {
        ...base,
        code: expectation?.startsWith("one of") ? "invalid-value" : "invalid-type",
        message: `${lastKey(path)}: expected ${expectation ?? "a valid value"}, got ${describeValue(input)}`,
        ...(hint ? { hint } : {}),
        location: loc(),
      };
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = small ? issue.minimum : issue.maximum;
      let message: string;
      if (issue.origin === "array") {
        message = small
          ? Number(bound) <= 1
            ? `${lastKey(path)} must not be empty`
            : `${lastKey(path)} needs at least ${bound} entries`
          : `${lastKey(path)} has more than ${bound} entries`;
      } else if (issue.origin === "string") {
        message = small
          ? `${lastKey(path)} must not be empty`
          : `${lastKey(path)} is longer than ${bound} characters`;
      } else {
        const op = small
          ? issue.inclusive
            ? "at least"
            : "greater than"
          : issue.inclusive
            ? "at most"
            : "less than";
        message = `${lastKey(path)} must be ${op} ${String(bound)}, got ${describeValue(input)}`;
      }
      return { ...base, code: "out-of-range", message, location: loc() };
    }
    case "invalid_format": {
      if (issue.format === "starts_with" && "prefix" in issue) {
        const prefix = String(issue.prefix);
        return {
          ...base,
          code: "invalid-value",
          message: `${lastKey(path)} must start with "${prefix}", got ${describeValue(input)}`,
          hint:
            lastKey(path) === "path"
              ? `write "/${String(input)}"; it is appended to the connection's base_url`
              : undefined,
          location: loc(),
        };
      }
      return {
        ...base,
        code: "invalid-value",
        message: `${lastKey(path)}: ${issue.message}`,
        hint: FORMAT_HINTS.get(issue.message),
        location: loc(),
      };
    }
    default:
      return {
        ...base,
        code: "invalid-value",
        message: `${lastKey(path)}: ${issue.message}`,
        hint: FORMAT_HINTS.get(issue.message),
        location: loc(),
      };
  }
}

/** Top-level keys starting with `x-` are free for the user (e.g. to hold YAML anchors) and ignored. */
export const EXTENSION_KEY = /^x-/;

export function withoutExtensionKeys(data: unknown): unknown {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !EXTENSION_KEY.test(k)));
}

/** Validate plain data against `specSchema`; every issue becomes a located diagnostic. */
export function validateSchema(
  data: unknown,
  source: SourceIndex,
): { spec?: Spec; diagnostics: Diagnostic[] } {
  const result = specSchema.safeParse(withoutExtensionKeys(data), { reportInput: true });
  if (result.success) return { spec: result.data, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        diagnostics.push(issueToDiagnostic({ ...issue, keys: [key] }, data, source));
    } else diagnostics.push(issueToDiagnostic(issue, data, source));
  }
  return { diagnostics: diagnostics.map((d) => (d.hint === undefined ? withoutHint(d) : d)) };
}

function withoutHint(d: Diagnostic): Diagnostic {
  const { hint: _hint, ...rest } = d;
  return rest;
}
