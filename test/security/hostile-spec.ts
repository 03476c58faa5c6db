/**
 * A spec that enables every generated file (both targets, both modes, auto_restart with tasks, sync,
 * secrets, a role and a secrets schema), with a caller-given string in every free-text field that reaches
 * SQL, Jinja, YAML, Python or Markdown. Names stay names: the validator refuses anything else there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { splitStatements } from "../../generator/deploy/sql.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import type { FileOutput } from "../../generator/render/index.ts";
import type { Plan } from "../../generator/plan/index.ts";

/** The free-text fields the spec below fills, each with its own value. */
export const FREE_TEXT_FIELDS = [
  "project_description",
  "duckdb_path",
  "connection_header",
  "env_default",
  "workflow_description",
  "input_key",
  "input_value",
  "step_description",
  "query_value",
  "step_header",
  "body_value",
  "idempotency_key",
  "output_key",
  "sets_status",
  "success",
  "pending",
  "failure",
] as const;

export type FreeText = Record<(typeof FREE_TEXT_FIELDS)[number], string>;

/** `${` starts a reference in a templated field; `$${` writes it literally. */
const literal = (s: string) => s.replace(/\$\{/g, () => "$${");
/** HTTP header values: one line of ISO-8859-1 (the HTTP primitive refuses anything else). */
export const headerSafe = (s: string) =>
  s.replace(/[\r\n]/g, " ").replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, "?");
const q = (s: string) => JSON.stringify(s);

export function hostileSpecText(v: FreeText): string {
  return `version: 1
project:
  name: hostile_project
  description: ${q(v.project_description)}
  targets: [duckdb, snowflake]
  duckdb: { path: ${q(v.duckdb_path)} }
  snowflake:
    warehouse: TRANSFORM_WH
    database: ANALYTICS
    schema: WORKFLOWS
    role: WORKFLOW_RUNNER
    owner_role: WORKFLOW_ADMIN
    external_access_integration: HOSTILE_ACCESS
    secrets_schema: VAULT.SECRETS
    dbt_project_source: "@ANALYTICS.WORKFLOWS.REPO/branches/main/hostile_project"
connections:
  api:
    base_url: \${env.API_URL:-http://127.0.0.1:8787}
    headers:
      X-Note: ${q(literal(headerSafe(v.connection_header)))}
      X-Default: ${q("${env.HOSTILE_DEFAULT:-" + headerSafe(v.env_default).replace(/[{}$]/g, "?") + "}")}
    auth: { type: bearer, token: "\${secret.API_TOKEN}" }
workflows:
  - name: hostile_flow
    description: ${q(v.workflow_description)}
    input: { ${q(v.input_key)}: ${q(literal(v.input_value))}, list: [${q(literal(v.input_value))}, 1, true, null] }
    steps:
      - name: create_policy
        description: ${q(v.step_description)}
        request:
          connection: api
          method: POST
          path: /createpolicy
          query: { note: ${q(literal(v.query_value))} }
          headers: { X-Step: ${q(literal(headerSafe(v.step_header)))} }
          body: { note: ${q(literal(v.body_value))}, input: "\${input}" }
          idempotency_key: ${q(literal(v.idempotency_key) + "-${execution.id}")}
        outputs: { policy_id: ${q("$[" + JSON.stringify(v.output_key) + "]")} }
        sets_status: ${q(v.sets_status)}
      - name: poll_policy
        request: { connection: api, path: "/policy/\${steps.create_policy.policy_id}" }
        poll:
          status: $.status
          success: [${q(v.success)}]
          pending: [${q(v.pending)}]
          failure: [${q(v.failure)}]
auto_restart:
  tasks:
    - { name: NIGHTLY, schedule: "USING CRON 0 6 * * * UTC", args: build, warehouse: NIGHT_WH }
    - { name: HOURLY, schedule: "60 MINUTES", args: "run --select tag:hourly" }
sync: { schema: ANALYTICS.SYNCED }
alerts: { notification_integration: OPS_EMAIL, recipients: [ops@example.com] }
`;
}

/**
 * Statements per setup file for the spec above. Every file but 04 starts with USE ROLE (03 switches to
 * ACCOUNTADMIN and back); then: schemas (objects, secrets, sync), the rule, one secret, the integration with
 * the owner's USAGE and EXECUTE TASK, the procedure, the dbt project object (CREATE, ADD VERSION, SET), the
 * grants to the runner (warehouse, database, schema, procedure, dbt project), the restart procedure with its
 * grant and CREATE + RESUME per task.
 */
export const SETUP_STATEMENTS: Record<string, number> = {
  "snowflake/00_schemas.sql": 4,
  "snowflake/01_network_rule.sql": 2,
  "snowflake/02_secrets.sql": 2,
  "snowflake/03_external_access_integration.sql": 5,
  "snowflake/04_gen_http_request_procedure.sql": 1,
  "snowflake/05_dbt_project.sql": 4,
  "snowflake/06_grants.sql": 6,
  "snowflake/07_auto_restart.sql": 7,
};

export function buildHostile(v: FreeText): { plan: Plan; files: FileOutput[] } {
  const r = compileSpec(hostileSpecText(v), "hostile.yaml", { targets: ["duckdb", "snowflake"] });
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length || !r.plan || !r.files)
    throw new Error(`the hostile spec does not build:\n${errors.map((d) => d.message).join("\n")}`);
  return { plan: r.plan, files: r.files };
}

/** How gen deploy splits a setup file. */
export const splitCount = (f: FileOutput): number => splitStatements(f.content, f.path).length;

/** Checks each file with its real parser (test/security/check_generated.py), in one Python process. */
export const CHECKER = join(import.meta.dirname, "check_generated.py");

export interface CheckResult {
  id: string;
  path: string;
  checks: string[];
  errors: string[];
  statements?: number;
  /** dbt-rendered files: the count of each Jinja node type but literals and plain text */
  jinja_shape?: Record<string, number>;
}

export const readText = (p: string) => readFileSync(p, "utf8");
