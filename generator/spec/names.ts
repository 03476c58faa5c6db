/**
 * The names gen generates from a workflow name: dbt models, macros (run-operations) and the workflow's model
 * folder. Defined here once: the plan names its files and nodes with them, and the name-collision rule checks
 * exactly these names against each other and against the names that gen's own runtime and dbt itself already
 * use (the stateless result row's fixed columns are defined with the other columns, in plan/columns.ts).
 */
import { RESULT_COLUMNS_AFTER_OUTPUTS, RESULT_COLUMNS_BEFORE_OUTPUTS } from "../plan/columns.ts";
import { DBT_RESERVED_MACRO_NAMES } from "./dbt-reserved-names.ts";

type Mode = "stateful" | "stateless";

interface GeneratedName {
  kind: "model" | "macro";
  /** the mode whose files define it; null: generated for every workflow */
  mode: Mode | null;
  /** what it is, for messages: `the success-rate model` */
  what: string;
  make: (workflow: string) => string;
}

/** Every model and macro generated for one workflow, by the key the templates use (`wf.names.<key>`). */
export const WORKFLOW_NAMES = {
  statefulModel: { kind: "model", mode: "stateful", what: "stateful model", make: (w) => `stateful_${w}` },
  statelessModel: {
    kind: "model",
    mode: "stateless",
    what: "stateless model",
    make: (w) => `stateless_${w}`,
  },
  successRateModel: {
    kind: "model",
    mode: "stateful",
    what: "success-rate model",
    make: (w) => `${w}_success_rate_24h`,
  },
  stuckModel: {
    kind: "model",
    mode: "stateful",
    what: "stuck-executions model",
    make: (w) => `${w}_stuck_executions`,
  },
  hourlyStatsModel: {
    kind: "model",
    mode: "stateful",
    what: "hourly-stats model",
    make: (w) => `${w}_hourly_stats`,
  },
  definitionMacro: { kind: "macro", mode: null, what: "definition macro", make: (w) => `${w}__definition` },
  runOperation: { kind: "macro", mode: null, what: "run operation", make: (w) => `run_${w}` },
  getStateOperation: {
    kind: "macro",
    mode: "stateful",
    what: "get-state operation",
    make: (w) => `get_${w}_state`,
  },
  dropOperation: {
    kind: "macro",
    mode: null,
    what: "drop operation",
    make: (w) => `drop_${w}_objects`,
  },
  cleanupOperation: {
    kind: "macro",
    mode: "stateful",
    what: "cleanup operation",
    make: (w) => `cleanup_${w}`,
  },
} as const satisfies Record<string, GeneratedName>;

export type WorkflowNameKey = keyof typeof WORKFLOW_NAMES;
export type WorkflowNames = Record<WorkflowNameKey, string>;

export function workflowNames(workflow: string): WorkflowNames {
  const entries = Object.entries(WORKFLOW_NAMES).map(([key, n]) => [key, n.make(workflow)]);
  return Object.fromEntries(entries) as WorkflowNames;
}

export interface GeneratedNameOf {
  key: WorkflowNameKey;
  name: string;
  kind: "model" | "macro";
  what: string;
}

/** The models and macros a workflow with these modes gets (a stateless-only workflow has no state models). */
export function generatedNamesOf(workflow: string, modes: readonly string[]): GeneratedNameOf[] {
  const out: GeneratedNameOf[] = [];
  for (const [key, n] of Object.entries(WORKFLOW_NAMES) as [WorkflowNameKey, GeneratedName][]) {
    if (n.mode !== null && !modes.includes(n.mode)) continue;
    out.push({ key, name: n.make(workflow), kind: n.kind, what: n.what });
  }
  return out;
}

/** Optional parts of the project: their files exist only when the spec has the block. */
export type Feature = "always" | "auto_restart" | "sync";

interface OwnName {
  name: string;
  when: Feature;
  /** what gen keeps there, for messages */
  what: string;
}

/**
 * Tables and views of gen's runtime, in the schema where the workflow models and state tables live.
 * test/security/names-urls.test.ts checks this list against the templates.
 */
export const GEN_OWN_RELATIONS: readonly OwnName[] = [
  { name: "dbt_run_log", when: "auto_restart", what: "auto_restart's log of dbt runs" },
  { name: "dbt_model_log", when: "auto_restart", what: "auto_restart's log of models run" },
  { name: "gen_restart_plan", when: "auto_restart", what: "auto_restart's plan of what to retry" },
  { name: "v_auto_restart_history", when: "auto_restart", what: "auto_restart's history" },
  { name: "gen_sync_queue", when: "sync", what: "the sync queue" },
  { name: "gen_sync_failures", when: "sync", what: "the failed syncs" },
  { name: "gen_sync_queue_summary", when: "sync", what: "the sync queue summary" },
  { name: "gen_sync_executions", when: "sync", what: "when each execution was synced" },
];

/** Folders under models/ that gen writes its own files into (a workflow's models go to models/<workflow>/). */
export const GEN_OWN_MODEL_FOLDERS: readonly OwnName[] = [
  { name: "auto_restart", when: "auto_restart", what: "auto_restart's models" },
  { name: "sync", when: "sync", what: "the sync models" },
];

/**
 * Macro names of gen's runtime that a workflow could generate: none. gen's own macros are named gen_* and
 * <adapter>__gen_* (the operation that prints rows is gen_run_query, so that dbt's run_query stays dbt's),
 * and no generated name starts or ends like one: test/security/names-urls.test.ts checks that.
 */
export const GEN_OWN_MACROS: readonly string[] = [];

/** Why a macro name is taken, or undefined: gen's own macro, or a dbt built-in that a project macro would replace. */
export function takenMacroName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (GEN_OWN_MACROS.includes(lower)) return `gen's own macro ${lower}`;
  if (DBT_RESERVED_MACRO_NAMES.has(lower)) return `dbt's built-in ${lower}`;
  return undefined;
}

/** The fixed columns of the stateless result row, which outputs must not be named like. */
export const RESERVED_RESULT_COLUMNS: readonly string[] = [
  ...RESULT_COLUMNS_BEFORE_OUTPUTS,
  ...RESULT_COLUMNS_AFTER_OUTPUTS,
].map((c) => c.name);
