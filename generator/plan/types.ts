/** The plan (IR): everything the templates need, resolved and named. Pure data, JSON-serialisable. */
import type { WorkflowNames } from "../spec/names.ts";

/** A template string split into parts. A secret part reaches the HTTP primitive as a part, never as text. */
export type TemplatePartDef =
  | { text: string }
  | { ref: string[] }
  | { env: string; default: string | null }
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

export interface PollDef {
  status: (string | number)[];
  status_path: string;
  success: string[];
  pending: string[];
  failure: string[];
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
  /** [output name, JSONPath segments, JSONPath as written] */
  outputs: [string, (string | number)[], string][];
  poll: PollDef | null;
  sets_status: string | null;
  response_column: string;
  flags_on_start: string[];
  flags_on_success: string[];
}

/** What the generated `<wf>__definition()` macro returns: the runtime reads nothing else. */
export interface WorkflowDef {
  name: string;
  description: string | null;
  input: unknown;
  final_status: string;
  state: {
    table: string;
    attempt_log_table: string;
    input_column: string;
    retention_days: number;
    stuck_after_hours: number;
  };
  output_columns: string[];
  response_columns: string[];
  flag_columns: string[];
  /** the `${secret.X}` names of this workflow's requests: the only secrets the HTTP primitive may read for it */
  secrets: string[];
  connections: Record<string, ConnectionDef>;
  steps: StepDef[];
}

export type Target = "duckdb" | "snowflake";

export type ColumnType = "string" | "integer" | "timestamp" | "boolean" | "json";

export interface WorkflowPlan {
  name: string;
  description: string | null;
  /** dbt tags of each generated model: gen's own, then the workflow's (`dbt ls --select tag:X`). */
  tags: { stateful: string[]; stateless: string[]; monitoring: string[] };
  stateful: boolean;
  stateless: boolean;
  definition: WorkflowDef;
  /** Names of the generated dbt nodes and macros. */
  names: WorkflowNames;
  /** Columns of the state table in order, with a description each (schema.yml, README). */
  stateColumns: { name: string; type: ColumnType; description: string }[];
  /** Columns of the stateless result model. */
  resultColumns: { name: string; type: ColumnType; description: string }[];
  /** Every status the state row can hold, for the accepted_values test. */
  statusValues: string[];
  /** Sequence diagram (mermaid source lines), from the spec. */
  diagram: string[];
}

export interface ProjectPlan {
  name: string;
  description: string | null;
  targets: Target[];
  duckdbPath: string;
  snowflake: {
    warehouse: string | null;
    database: string | null;
    schema: string | null;
    role: string | null;
    /** the dbt Core version the project object is pinned to (DBT_VERSION), the one the tests run */
    dbtVersion: string;
    /** host:port of every connection, for the network rule */
    hosts: string[];
    secrets: string[];
    /** Object names as they appear in the setup SQL, qualified where the spec says where they live. */
    objects: SnowflakeObjects;
  };
  envVars: { name: string; default: string | null }[];
  secrets: string[];
  /** the spec's auto_restart block: run-log hooks, the restart plan, RUN_DBT_AUTO_RESTART and its tasks */
  autoRestart: AutoRestartPlan | null;
  /** the spec's sync block: the queue of finished executions and where `gen sync` uploads them */
  sync: SyncPlan | null;
  genVersion: string;
}

export interface SyncPlan {
  /** DATABASE.SCHEMA (or SCHEMA) of the Snowflake tables; null: the connection's current schema */
  schema: string | null;
  max_retries: number;
  backoff_s: number;
  interval_s: number;
  concurrency: number;
  batch_size: number;
  /** one entry per stateful workflow: its two tables, and where each goes in Snowflake */
  tables: {
    workflow: string;
    state: { source: string; target: string; columns: { name: string; type: ColumnType }[] };
    attempts: { source: string; target: string };
  }[];
}

export interface AutoRestartPlan {
  max_retries: number;
  max_age_hours: number;
  /** Snowflake tasks that call RUN_DBT_AUTO_RESTART; `args` is the dbt command of a full build */
  tasks: { name: string; object: string; schedule: string; args: string; warehouse: string | null }[];
}

export interface SnowflakeObjects {
  /** DB.SCHEMA or SCHEMA of the generated objects; null: the session's current schema */
  schema: string | null;
  /** schema of the SECRET objects when project.snowflake.secrets_schema is set (qualified) */
  secretsSchema: string | null;
  networkRule: string;
  integration: string;
  /** the HTTP procedure, named after the project so that two gen projects in one schema never clash */
  procedure: string;
  procedureName: string;
  secrets: { name: string; object: string }[];
  dbtProject: string;
  /** the profiles.yml output the dbt project object runs with (its DEFAULT_TARGET) */
  defaultTarget: string;
  /** RUN_DBT_AUTO_RESTART, and the plan view it reads (qualified like the other objects) */
  restartProcedure: string;
  restartPlanView: string;
}

export interface FilePlan {
  /** output path, relative to the output directory, with `/` separators */
  path: string;
  /** template path relative to dbt_project_template/ */
  template: string;
  /** set for per-workflow files */
  workflow?: string;
}

export interface Plan {
  project: ProjectPlan;
  workflows: WorkflowPlan[];
  files: FilePlan[];
}
