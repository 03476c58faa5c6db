/**
 * The plan (IR): everything the templates need, resolved and named. Pure data, JSON-serialisable.
 * Names that reach generated code have a validated type (validated.ts): a template may print those as they
 * are; every other string (descriptions, statuses, hosts, ...) is free text that a template escapes.
 */
import type { WorkflowNameKey } from "../spec/names.ts";
import type { ColumnDef, ColumnType, RuntimeColumn } from "./columns.ts";
import type { OutputSource } from "./outputs.ts";
import type { DbtArgs, SnowflakeName, SqlIdentifier, StagePath, TaskSchedule } from "./validated.ts";

export type { ColumnDef, ColumnType, RuntimeColumn } from "./columns.ts";

/** A column of the plan: its name validated as an identifier. */
export type PlannedColumn = Omit<ColumnDef, "name"> & { name: SqlIdentifier };

export type { DbtArgs, SnowflakeName, SqlIdentifier, StagePath, TaskSchedule } from "./validated.ts";

/** A template string split into parts. A secret part reaches the HTTP primitive as a part, never as text. */
export type TemplatePartDef =
  | { text: string }
  | { ref: string[] }
  | { env: string; default: string | null }
  | { var: string; default: string | null }
  | { secret: string }
  | { now: true };

/** A request body: JSON with references. A whole-value reference keeps the referenced JSON type. */
export type ValueTemplate =
  | { literal: unknown }
  | { object: [string, ValueTemplate][] }
  | { array: ValueTemplate[] }
  | { string: TemplatePartDef[] }
  | { value: TemplatePartDef };

export interface ConnectionDef {
  base_url: TemplatePartDef[];
  headers: [string, TemplatePartDef[]][];
  /** basic auth is encoded by the HTTP primitive, after it resolves secrets */
  basic_auth: { username: TemplatePartDef[]; password: TemplatePartDef[] } | null;
  timeout_s: number;
  retry: { max_attempts: number; backoff_s: number; max_backoff_s: number; on: string[] };
}

export type StatusValue = string | number | boolean;

export interface PollDef {
  status: (string | number)[];
  status_path: string;
  /** status values as the spec gives them; the runtime matches them by JSON type */
  success: StatusValue[];
  pending: StatusValue[];
  failure: StatusValue[];
  max_attempts: number;
  interval_s: number;
  backoff: "fixed" | "exponential";
  max_interval_s: number;
  timeout_s: number;
}

export interface StepDef {
  name: string;
  index: number;
  description: string | null;
  connection: string;
  method: string;
  path: TemplatePartDef[];
  query: [string, TemplatePartDef[]][];
  headers: [string, TemplatePartDef[]][];
  body: ValueTemplate | null;
  idempotency_key: TemplatePartDef[] | null;
  /** [output name, JSONPath segments, JSONPath as written, column type] */
  outputs: [string, (string | number)[], string, ColumnType][];
  poll: PollDef | null;
  sets_status: string | null;
  response_column: string;
  flags_on_start: string[];
  flags_on_success: string[];
  /** run the step only when this holds; a skipped step is recorded as skipped */
  when: StepCondition | null;
}

/** `when:` of a step: a flag set by an earlier step, or an earlier step's output compared with a JSON value. */
export type StepCondition =
  { flag: string } | { output: [step: string, output: string]; op: "equals" | "not_equals"; value: unknown };

/** What the generated `<wf>__definition()` macro returns: the runtime reads nothing else. */
export interface WorkflowDef {
  name: string;
  description: string | null;
  /** the spec's input, its strings templates (${env.X}, ${var.X}) resolved when a run starts; the defaults of per-run inputs */
  input: ValueTemplate;
  final_status: string;
  state: {
    table: string;
    attempt_log_table: string;
    input_column: string;
    retention_days: number;
    /** state.archive: expired executions move to these tables (same columns) instead of being deleted */
    archive: boolean;
    archive_table: string | null;
    attempt_log_archive_table: string | null;
    stuck_after_hours: number;
    /** how long a run holds an execution between two state writes (runtime/macros/runtime/gen_claim_executions.sql) */
    lease_minutes: number;
  };
  output_columns: string[];
  response_columns: string[];
  flag_columns: string[];
  /** the columns of the tables the runtime creates and the rows it writes, in order (plan/columns.ts) */
  columns: { state: RuntimeColumn[]; attempts: RuntimeColumn[]; result: RuntimeColumn[] };
  /** the `${secret.X}` names of this workflow's requests: the only secrets the HTTP primitive may read for it */
  secrets: string[];
  connections: Record<string, ConnectionDef>;
  steps: StepDef[];
  /** one execution per row of a dbt model (runtime/macros/runtime/gen_run_fanout.sql); null: one execution per run */
  for_each: ForEachDef | null;
}

export interface ForEachDef {
  /** the model or seed, read with ref() */
  model: string;
  /** its column naming a row; also the state table's column next to execution_id */
  key: string;
  /** HTTP calls in flight at once */
  concurrency: number;
  /** the model fails when more rows than this failed in one run */
  max_failed_rows: number;
  /** the columns `${row.<column>}` reads: checked against the model before any call */
  row_columns: string[];
}

export type Target = "duckdb" | "snowflake";

export interface WorkflowPlan {
  name: SqlIdentifier;
  description: string | null;
  /** dbt tags of each generated model: gen's own, then the workflow's (`dbt ls --select tag:X`). */
  tags: { stateful: string[]; stateless: string[]; monitoring: string[] };
  stateful: boolean;
  stateless: boolean;
  definition: WorkflowDef;
  /** for_each: the model the stateful model depends on (ref() in it, so lineage shows it) */
  forEachModel: SqlIdentifier | null;
  /** Names of the generated dbt nodes and macros. */
  names: Record<WorkflowNameKey, SqlIdentifier>;
  /** Columns of the state table in order, with a description each (schema.yml, README). */
  stateColumns: PlannedColumn[];
  /** Columns of the attempt log in order (one row per HTTP attempt), with a description each. */
  attemptColumns: PlannedColumn[];
  /** Columns of the stateless result model. */
  resultColumns: PlannedColumn[];
  /** Every status the state row can hold, for the accepted_values test. */
  statusValues: string[];
  /** Sequence diagram (mermaid source lines), from the spec. */
  diagram: string[];
}

export interface ProjectPlan {
  name: SqlIdentifier;
  description: string | null;
  targets: Target[];
  duckdbPath: string;
  snowflake: {
    warehouse: SnowflakeName | null;
    database: SnowflakeName | null;
    schema: SnowflakeName | null;
    /** the role that runs dbt (profiles.yml): grants go to it */
    role: SnowflakeName | null;
    /** the role that creates and owns the objects; null: the role the setup is applied with */
    ownerRole: SnowflakeName | null;
    /** stage path CREATE DBT PROJECT reads the project from; null: the object is created with `snow dbt deploy` */
    dbtProjectSource: StagePath | null;
    /** the dbt Core version the project object is pinned to (DBT_VERSION), the one the tests run */
    dbtVersion: string;
    /** host:port of every connection, for the network rule */
    hosts: string[];
    secrets: SqlIdentifier[];
    /** Object names as they appear in the setup SQL, qualified where the spec says where they live. */
    objects: SnowflakeObjects;
  };
  envVars: { name: SqlIdentifier; default: string | null }[];
  secrets: SqlIdentifier[];
  /** the spec has workflows, so the project calls HTTP APIs: false for a spec with only auto_restart (a package
   *  for an existing dbt project: no HTTP plugin, procedure or egress) */
  callsApis: boolean;
  /** a workflow runs once per row of a model (for_each): the fan-out runtime is part of the project */
  fansOut: boolean;
  /** the spec's auto_restart block: run-log hooks, the restart plan, RUN_DBT_AUTO_RESTART and its tasks */
  autoRestart: AutoRestartPlan | null;
  /** the spec's sync block: the queue of finished executions and where `gen sync` uploads them */
  sync: SyncPlan | null;
  /** the spec's alerts block */
  alerts: AlertsPlan | null;
  /** dbt_project.yml's require-dbt-version: the dbt Core versions the generated project parses and runs on */
  requireDbtVersion: string[];
  genVersion: string;
  /** the spec's file name without its directory, for the header of each generated file; null: not known */
  specFile: string | null;
}

/** The spec's alerts block: dbt tests on every target, a Snowflake alert on the snowflake target. */
export interface AlertsPlan {
  /** the dbt tests' severity */
  severity: "error" | "warn";
  /** the stateful workflows watched: their state table and when an unfinished execution counts as stuck */
  workflows: { workflow: SqlIdentifier; stateTable: SnowflakeName; stuckAfterMinutes: number }[];
  /** the Snowflake ALERT object, named after the project */
  alert: SnowflakeName;
  integration: SnowflakeName | null;
  /** verified email addresses (schema-checked); empty: the integration's own recipients */
  recipients: string[];
  schedule: string;
  warehouse: SnowflakeName | null;
}

export interface SyncPlan {
  /** DATABASE.SCHEMA (or SCHEMA) of the Snowflake tables; null: the connection's current schema */
  schema: SnowflakeName | null;
  max_retries: number;
  backoff_s: number;
  interval_s: number;
  concurrency: number;
  batch_size: number;
  /** one entry per synced workflow (stateful, selected): its two tables, and where each goes in Snowflake */
  tables: {
    workflow: SqlIdentifier;
    /** the macro returning the workflow's definition, for the runtime's list of synced workflows */
    definitionMacro: SqlIdentifier;
    state: {
      source: SqlIdentifier;
      target: SnowflakeName;
      columns: { name: SqlIdentifier; type: ColumnType }[];
    };
    attempts: {
      source: SqlIdentifier;
      target: SnowflakeName;
      columns: { name: SqlIdentifier; type: ColumnType }[];
    };
  }[];
}

export interface AutoRestartPlan {
  max_retries: number;
  max_age_hours: number;
  /** a run not ended and younger than this is in progress: RUN_DBT_AUTO_RESTART starts nothing meanwhile */
  max_run_hours: number;
  /** the two log tables the run hooks write and the plan reads */
  runLogTable: SqlIdentifier;
  modelLogTable: SqlIdentifier;
  /** where they live: null, the schema dbt builds into; a database null is the target's database */
  logSchema: { database: SqlIdentifier | null; schema: SqlIdentifier } | null;
  /** Snowflake tasks that call RUN_DBT_AUTO_RESTART; `args` is the dbt command of a full build */
  tasks: {
    name: SqlIdentifier;
    object: SnowflakeName;
    schedule: TaskSchedule;
    args: DbtArgs;
    warehouse: SnowflakeName | null;
  }[];
}

export interface SnowflakeObjects {
  /** DB.SCHEMA or SCHEMA of the generated objects; null: the session's current schema */
  schema: SnowflakeName | null;
  /** schema of the SECRET objects when project.snowflake.secrets_schema is set (qualified) */
  secretsSchema: SnowflakeName | null;
  networkRule: SnowflakeName;
  integration: SnowflakeName;
  /** the HTTP procedure, named after the project so that two gen projects in one schema never clash */
  procedure: SnowflakeName;
  /** the batch HTTP procedure of for_each workflows (many requests per CALL), named like the HTTP procedure;
   *  the setup creates it when a workflow has for_each */
  batchProcedure: SnowflakeName;
  secrets: { name: SqlIdentifier; object: SnowflakeName }[];
  dbtProject: SnowflakeName;
  /** the profiles.yml output the dbt project object runs with (its DEFAULT_TARGET) */
  defaultTarget: SqlIdentifier;
  /** RUN_DBT_AUTO_RESTART, and the plan view it reads (qualified like the other objects) */
  restartProcedure: SnowflakeName;
  restartPlanView: SnowflakeName;
}

export interface FilePlan {
  /** output path, relative to the output directory, with `/` separators */
  path: string;
  /** where its text comes from: a template, or a file of gen's runtime copied as it is (plan/outputs.ts) */
  source: OutputSource;
  /** the template or runtime file, relative to its source's directory (dbt_project_template/ or runtime/) */
  from: string;
  /** set for per-workflow files */
  workflow?: string;
}

export interface Plan {
  project: ProjectPlan;
  workflows: WorkflowPlan[];
  files: FilePlan[];
}
