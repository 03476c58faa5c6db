/**
 * Every file of a generated project, in one table: where its text comes from, the features the project or
 * workflow must have for the file to exist, and whether it is written once per project or once per workflow
 * (`__workflow__` in the path stands for the workflow's name). A file comes either from a template
 * (dbt_project_template/, rendered with the plan) or from gen's runtime (runtime/, copied as it is: the
 * macros into macros/gen/, the plugins into plugins/). planFiles derives the file list from this table alone;
 * test/unit/outputs.test.ts keeps it, the template directory and the runtime directory in step.
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
  /** the spec has workflows: the HTTP primitive (DuckDB plugin, Snowflake procedure, egress, secrets) */
  | "http"
  /** the spec has an auto_restart block */
  | "auto_restart"
  /** the spec has a sync block */
  | "sync"
  /** project.snowflake.dbt_project_source is set: gen creates the dbt project object */
  | "dbt_project_object"
  /** a workflow has for_each: the fan-out runtime */
  | "for_each"
  /** the spec has an alerts block: alert tests, and on Snowflake an ALERT */
  | "alerts";

/** What a workflow must have for a per-workflow output. */
export type WorkflowFeature =
  | "core"
  /** the workflow runs in stateful mode (state table, its operations and monitoring models) */
  | "stateful"
  /** the workflow runs in stateless mode */
  | "stateless";

/** Where an output's text comes from. */
export type OutputSource =
  /** a nunjucks template in dbt_project_template/, rendered with the plan */
  | "template"
  /** a fixed file of gen's runtime in runtime/, copied as it is */
  | "runtime";

interface OutputBase {
  /** the output path, relative to the generated project (per-workflow: with the placeholder) */
  path: string;
  source: OutputSource;
  /** the file it comes from, relative to its source's directory */
  from: string;
}

export type OutputDecl =
  | (OutputBase & { scope: "project"; features: readonly ProjectFeature[] })
  | (OutputBase & { scope: "workflow"; features: readonly WorkflowFeature[] });

/** Where the runtime's files go in a generated project: its macros under macros/gen/, its plugins as they are. */
export function runtimeOutputPath(from: string): string {
  return from.startsWith("macros/") ? `macros/gen/${from.slice("macros/".length)}` : from;
}

const project = (template: string, ...features: ProjectFeature[]): OutputDecl => ({
  path: template,
  source: "template",
  from: template,
  scope: "project",
  features: features.length > 0 ? features : ["core"],
});
const workflow = (template: string, ...features: WorkflowFeature[]): OutputDecl => ({
  path: template,
  source: "template",
  from: template,
  scope: "workflow",
  features: features.length > 0 ? features : ["core"],
});
/** A file of the runtime, in every project that has its features. */
const runtime = (from: string, ...features: ProjectFeature[]): OutputDecl => ({
  path: runtimeOutputPath(from),
  source: "runtime",
  from,
  scope: "project",
  features: features.length > 0 ? features : ["core"],
});

/** In output path order, which is the order of the generated file list. */
export const OUTPUTS: readonly OutputDecl[] = [
  project("README.md"),
  project("dbt_project.yml"),
  runtime("macros/adapters/gen_column_type.sql"),
  runtime("macros/adapters/gen_current_timestamp.sql"),
  runtime("macros/adapters/gen_env_value.sql"),
  runtime("macros/adapters/gen_http_request_sql.sql"),
  runtime("macros/adapters/gen_json_literal.sql"),
  runtime("macros/adapters/gen_json_rows_sql.sql"),
  runtime("macros/adapters/gen_json_text.sql"),
  runtime("macros/adapters/gen_lease_takeable_sql.sql"),
  runtime("macros/adapters/gen_sleep_sql.sql"),
  runtime("macros/adapters/gen_sql_string.sql"),
  runtime("macros/adapters/gen_type_json.sql"),
  runtime("macros/adapters/gen_type_string.sql"),
  runtime("macros/adapters/gen_type_timestamp.sql"),
  runtime("macros/fanout/gen_fanout_load.sql", "for_each"),
  runtime("macros/fanout/gen_fanout_start.sql", "for_each"),
  runtime("macros/fanout/gen_fanout_step.sql", "for_each"),
  runtime("macros/fanout/gen_http_batch.sql", "for_each"),
  runtime("macros/fanout/gen_http_batch_sql.sql", "for_each"),
  runtime("macros/fanout/gen_row_json_sql.sql", "for_each"),
  runtime("macros/fanout/gen_run_fanout.sql", "for_each"),
  project("macros/gen/gen_project.sql"),
  project("macros/gen/gen_restart_settings.sql", "auto_restart"),
  project("macros/gen/gen_sync_settings.sql", "sync"),
  runtime("macros/materializations/gen_workflow.sql"),
  runtime("macros/operations/gen_run_query.sql"),
  runtime("macros/restart/gen_ensure_run_log.sql", "auto_restart"),
  runtime("macros/restart/gen_model_log_relation.sql", "auto_restart"),
  runtime("macros/restart/gen_restart_log_relation.sql", "auto_restart"),
  runtime("macros/restart/gen_restart_plan.sql", "auto_restart"),
  runtime("macros/restart/gen_restart_plan_sql.sql", "auto_restart"),
  runtime("macros/restart/gen_run_log_end.sql", "auto_restart"),
  runtime("macros/restart/gen_run_log_relation.sql", "auto_restart"),
  runtime("macros/restart/gen_run_log_start.sql", "auto_restart"),
  runtime("macros/runtime/gen_build_request.sql"),
  runtime("macros/runtime/gen_claim_executions.sql"),
  runtime("macros/runtime/gen_cleanup_state.sql"),
  runtime("macros/runtime/gen_column_definitions.sql"),
  runtime("macros/runtime/gen_ensure_schema.sql"),
  runtime("macros/runtime/gen_ensure_state_tables.sql"),
  runtime("macros/runtime/gen_ensure_table.sql"),
  runtime("macros/runtime/gen_execution_holder.sql"),
  runtime("macros/runtime/gen_find_active_execution.sql"),
  runtime("macros/runtime/gen_held_result.sql"),
  runtime("macros/runtime/gen_http.sql"),
  runtime("macros/runtime/gen_insert_attempt_rows.sql"),
  runtime("macros/runtime/gen_jsonpath.sql"),
  runtime("macros/runtime/gen_lease_expiry.sql"),
  runtime("macros/runtime/gen_lease_owner.sql"),
  runtime("macros/runtime/gen_log_attempts.sql"),
  runtime("macros/runtime/gen_log_attempts_batch.sql"),
  runtime("macros/runtime/gen_log_prefix.sql"),
  runtime("macros/runtime/gen_mark_stuck_executions.sql"),
  runtime("macros/runtime/gen_new_execution_values.sql"),
  runtime("macros/runtime/gen_output_conversion_error.sql"),
  runtime("macros/runtime/gen_output_value.sql"),
  runtime("macros/runtime/gen_poll_delay.sql"),
  runtime("macros/runtime/gen_poll_outcome.sql"),
  runtime("macros/runtime/gen_relation.sql"),
  runtime("macros/runtime/gen_resolve_connection.sql"),
  runtime("macros/runtime/gen_resolve_header.sql"),
  runtime("macros/runtime/gen_resolve_part.sql"),
  runtime("macros/runtime/gen_resolve_text.sql"),
  runtime("macros/runtime/gen_resolve_value.sql"),
  runtime("macros/runtime/gen_row_values.sql"),
  runtime("macros/runtime/gen_rows_as_dicts.sql"),
  runtime("macros/runtime/gen_run_result.sql"),
  runtime("macros/runtime/gen_run_step.sql"),
  runtime("macros/runtime/gen_run_step_when.sql"),
  runtime("macros/runtime/gen_run_workflow.sql"),
  runtime("macros/runtime/gen_runs_nodes.sql"),
  runtime("macros/runtime/gen_skip_record.sql"),
  runtime("macros/runtime/gen_skip_shared.sql"),
  runtime("macros/runtime/gen_skip_step.sql"),
  runtime("macros/runtime/gen_state_flags.sql"),
  runtime("macros/runtime/gen_state_input.sql"),
  runtime("macros/runtime/gen_state_insert.sql"),
  runtime("macros/runtime/gen_state_update.sql"),
  runtime("macros/runtime/gen_state_update_batch.sql"),
  runtime("macros/runtime/gen_status_text.sql"),
  runtime("macros/runtime/gen_step_condition.sql"),
  runtime("macros/runtime/gen_withdraw_concurrent_start.sql"),
  runtime("macros/runtime/gen_workflow_input.sql"),
  runtime("macros/sync/gen_ensure_sync_queue.sql", "sync"),
  runtime("macros/sync/gen_sync_backfill.sql", "sync"),
  runtime("macros/sync/gen_sync_enabled.sql", "sync"),
  runtime("macros/sync/gen_sync_enqueue.sql", "sync"),
  runtime("macros/sync/gen_sync_on_run_start.sql", "sync"),
  runtime("macros/sync/gen_sync_queue_relation.sql", "sync"),
  runtime("macros/tests/gen_accepted_values.sql"),
  runtime("macros/tests/gen_alert_failed_execution.sql"),
  runtime("macros/tests/gen_alert_failed_syncs.sql"),
  runtime("macros/tests/gen_alert_retries_exhausted.sql"),
  runtime("macros/tests/gen_alert_stuck_executions.sql"),
  workflow("macros/workflows/__workflow__/__workflow____definition.sql"),
  workflow("macros/workflows/__workflow__/cleanup___workflow__.sql", "stateful"),
  workflow("macros/workflows/__workflow__/drop___workflow___objects.sql"),
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
  runtime("plugins/gen_duckdb_plugin.py", "http"),
  runtime("plugins/gen_http_core.py", "http"),
  project("profiles.yml"),
  project("snowflake/00_schemas.sql", "snowflake"),
  project("snowflake/01_network_rule.sql", "snowflake", "http"),
  project("snowflake/02_secrets.sql", "snowflake", "http"),
  project("snowflake/03_external_access_integration.sql", "snowflake", "http"),
  project("snowflake/04_gen_http_request_procedure.sql", "snowflake", "http"),
  project("snowflake/05_dbt_project.sql", "snowflake", "dbt_project_object"),
  project("snowflake/06_grants.sql", "snowflake"),
  project("snowflake/07_auto_restart.sql", "snowflake", "auto_restart"),
  project("snowflake/08_alerts.sql", "snowflake", "alerts"),
  project("snowflake/README.md", "snowflake"),
];

/** Does the project have this feature? */
export function projectHas(p: ProjectPlan, feature: ProjectFeature): boolean {
  switch (feature) {
    case "core":
      return true;
    case "snowflake":
      return p.targets.includes("snowflake");
    case "http":
      return p.callsApis;
    case "auto_restart":
      return p.autoRestart !== null;
    case "sync":
      return p.sync !== null;
    case "dbt_project_object":
      return p.snowflake.dbtProjectSource !== null;
    case "for_each":
      return p.fansOut;
    case "alerts":
      return p.alerts !== null;
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

/** The path a per-workflow output is written to for one workflow. */
export function workflowPath(path: string, workflowName: string): string {
  return path.split(WORKFLOW_PLACEHOLDER).join(workflowName);
}
