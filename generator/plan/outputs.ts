/**
 * Every file of a generated project, in one table: the template it is rendered from (relative to
 * dbt_project_template/), the features the project or workflow must have for the file to exist, and whether
 * it is written once per project or once per workflow (`__workflow__` in the template path stands for the
 * workflow's name). planFiles derives the file list from this table alone; test/unit/outputs.test.ts keeps it
 * and the template directory in step.
 */
import type { ProjectPlan, WorkflowPlan } from "./types.ts";

/** The placeholder in template paths that stands for a workflow name. */
export const WORKFLOW_PLACEHOLDER = "__workflow__";

/** What a project must have for a per-project output (every feature listed must hold). */
export type ProjectFeature =
  /** always */
  | "core"
  /** project.targets includes snowflake */
  | "snowflake"
  /** the spec has an auto_restart block */
  | "auto_restart"
  /** the spec has a sync block */
  | "sync"
  /** project.snowflake.dbt_project_source is set: gen creates the dbt project object */
  | "dbt_project_object";

/** What a workflow must have for a per-workflow output. */
export type WorkflowFeature =
  | "core"
  /** the workflow runs in stateful mode (state table, its operations and monitoring models) */
  | "stateful"
  /** the workflow runs in stateless mode */
  | "stateless";

export type OutputDecl =
  | { template: string; scope: "project"; features: readonly ProjectFeature[] }
  | { template: string; scope: "workflow"; features: readonly WorkflowFeature[] };

const project = (template: string, ...features: ProjectFeature[]): OutputDecl => ({
  template,
  scope: "project",
  features: features.length > 0 ? features : ["core"],
});
const workflow = (template: string, ...features: WorkflowFeature[]): OutputDecl => ({
  template,
  scope: "workflow",
  features: features.length > 0 ? features : ["core"],
});

/** In template path order, which is the order of the generated file list. */
export const OUTPUTS: readonly OutputDecl[] = [
  project("README.md"),
  project("dbt_project.yml"),
  project("macros/gen/adapters/gen_current_timestamp.sql"),
  project("macros/gen/adapters/gen_env_value.sql"),
  project("macros/gen/adapters/gen_http_request_sql.sql"),
  project("macros/gen/adapters/gen_json_literal.sql"),
  project("macros/gen/adapters/gen_sleep_sql.sql"),
  project("macros/gen/adapters/gen_sql_string.sql"),
  project("macros/gen/adapters/gen_types.sql"),
  project("macros/gen/materializations/gen_workflow.sql"),
  project("macros/gen/restart/gen_restart_plan.sql", "auto_restart"),
  project("macros/gen/restart/gen_run_log.sql", "auto_restart"),
  project("macros/gen/runtime/gen_columns.sql"),
  project("macros/gen/runtime/gen_housekeeping.sql"),
  project("macros/gen/runtime/gen_http.sql"),
  project("macros/gen/runtime/gen_jsonpath.sql"),
  project("macros/gen/runtime/gen_resolve.sql"),
  project("macros/gen/runtime/gen_rows_as_dicts.sql"),
  project("macros/gen/runtime/gen_run_step.sql"),
  project("macros/gen/runtime/gen_run_workflow.sql"),
  project("macros/gen/runtime/gen_runs_nodes.sql"),
  project("macros/gen/runtime/gen_state.sql"),
  project("macros/gen/sync/gen_sync.sql", "sync"),
  project("macros/gen/tests/gen_accepted_values.sql"),
  project("macros/gen_run_query.sql"),
  workflow("macros/workflows/__workflow__/__workflow____definition.sql"),
  workflow("macros/workflows/__workflow__/cleanup___workflow__.sql", "stateful"),
  workflow("macros/workflows/__workflow__/drop___workflow___objects.sql", "stateful"),
  workflow("macros/workflows/__workflow__/get___workflow___state.sql", "stateful"),
  workflow("macros/workflows/__workflow__/run___workflow__.sql"),
  workflow("models/__workflow__/__workflow___hourly_stats.sql", "stateful"),
  workflow("models/__workflow__/__workflow___stuck_executions.sql", "stateful"),
  workflow("models/__workflow__/__workflow___success_rate_24h.sql", "stateful"),
  workflow("models/__workflow__/schema.yml"),
  workflow("models/__workflow__/stateful___workflow__.sql", "stateful"),
  workflow("models/__workflow__/stateless___workflow__.sql", "stateless"),
  project("models/auto_restart/gen_restart_plan.sql", "auto_restart"),
  project("models/auto_restart/schema.yml", "auto_restart"),
  project("models/auto_restart/v_auto_restart_history.sql", "auto_restart"),
  project("models/sync/gen_sync_executions.sql", "sync"),
  project("models/sync/gen_sync_failures.sql", "sync"),
  project("models/sync/gen_sync_queue_summary.sql", "sync"),
  project("models/sync/schema.yml", "sync"),
  project("plugins/gen_duckdb_plugin.py"),
  project("plugins/gen_http_core.py"),
  project("profiles.yml"),
  project("snowflake/00_schemas.sql", "snowflake"),
  project("snowflake/01_network_rule.sql", "snowflake"),
  project("snowflake/02_secrets.sql", "snowflake"),
  project("snowflake/03_external_access_integration.sql", "snowflake"),
  project("snowflake/04_gen_http_request_procedure.sql", "snowflake"),
  project("snowflake/05_dbt_project.sql", "snowflake", "dbt_project_object"),
  project("snowflake/06_grants.sql", "snowflake"),
  project("snowflake/07_auto_restart.sql", "snowflake", "auto_restart"),
  project("snowflake/README.md", "snowflake"),
];

/** Does the project have this feature? */
export function projectHas(p: ProjectPlan, feature: ProjectFeature): boolean {
  switch (feature) {
    case "core":
      return true;
    case "snowflake":
      return p.targets.includes("snowflake");
    case "auto_restart":
      return p.autoRestart !== null;
    case "sync":
      return p.sync !== null;
    case "dbt_project_object":
      return p.snowflake.dbtProjectSource !== null;
  }
}

/** Does the workflow have this feature? */
export function workflowHas(wf: WorkflowPlan, feature: WorkflowFeature): boolean {
  switch (feature) {
    case "core":
      return true;
    case "stateful":
      return wf.stateful;
    case "stateless":
      return wf.stateless;
  }
}

/** The path a per-workflow template is written to for one workflow. */
export function workflowPath(template: string, workflowName: string): string {
  return template.split(WORKFLOW_PLACEHOLDER).join(workflowName);
}
