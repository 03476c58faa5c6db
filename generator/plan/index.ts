import { basename } from "node:path";
import type { Spec } from "../spec/index.ts";
import { defaultExternalAccessIntegration } from "../spec/identifiers.ts";
import { parseJsonPath } from "../spec/jsonpath.ts";
import { workflowNames, type WorkflowNames } from "../spec/names.ts";
import { hostPortOf, parseHttpUrl } from "../spec/url.ts";
import {
  ATTEMPT_LOG_COLUMNS,
  resultColumns,
  runtimeColumns,
  stateColumns,
  type ColumnDef,
} from "./columns.ts";
import { sequenceDiagram } from "./diagram.ts";
import { OUTPUTS, projectHas, workflowHas, workflowPath } from "./outputs.ts";
import { collectRefs, compileTemplate, compileValue, valueTemplateParts } from "./templates.ts";
import type {
  AutoRestartPlan,
  SqlIdentifier,
  ConnectionDef,
  FilePlan,
  Plan,
  ProjectPlan,
  SnowflakeObjects,
  StepCondition,
  StepDef,
  SyncPlan,
  AlertsPlan,
  TemplatePartDef,
  WorkflowDef,
  PlannedColumn,
  WorkflowPlan,
} from "./types.ts";
import {
  dbtArgs,
  snowflakeName,
  sqlIdentifier,
  stagePath,
  taskSchedule,
  type SnowflakeName,
} from "./validated.ts";

export type * from "./types.ts";

export const GEN_VERSION = "0.1.0";

/**
 * The dbt Core version dbt Projects on Snowflake runs the generated project with: pinned (DBT_VERSION) on the
 * project object in every way gen generates to create or run it, and installed in .venv-snowflake
 * (requirements/snowflake.txt) for the tests and gen deploy --check. Snowflake supports 1.9.4 (its default when
 * an object pins nothing) and 1.10.15; the generated schema.yml uses dbt's `arguments:` test property, which
 * dbt accepts from 1.10.5 on. https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-dbt-core-versions
 */
export const SNOWFLAKE_DBT_VERSION = "1.10.15";
/**
 * The dbt Core versions the generated project runs on, as dbt_project.yml's `require-dbt-version`: from 1.10.5,
 * the first that accepts the `arguments:` test property of the generated schema.yml, so that an older dbt (such
 * as 1.9.4, dbt Projects on Snowflake's default) refuses the project with dbt's own clear message instead of a
 * parse error about a macro argument. https://docs.getdbt.com/reference/project-configs/require-dbt-version
 */
export const DBT_VERSION_RANGE = [">=1.10.5", "<2.0.0"] as const;
/** The profiles.yml output for the dbt project object (no env_var there), set as its DEFAULT_TARGET. */
export const SNOWFLAKE_DEFAULT_TARGET = "snowflake_project";

export {
  OUTPUTS,
  runtimeOutputPath,
  WORKFLOW_PLACEHOLDER,
  type OutputDecl,
  type OutputSource,
} from "./outputs.ts";

type Workflow = Spec["workflows"][number];
type Step = Workflow["steps"][number];

/**
 * Spec -> Plan. Pure; the files come from the table of outputs (./outputs.ts). `source.specFile` is the spec's
 * path as given (only its file name is kept: the generated files name it).
 * The spec has been validated, so anything inconsistent here is a bug, not a user error.
 */
export function buildPlan(spec: Spec, source: { specFile?: string } = {}): Plan {
  const workflows = spec.workflows.map((wf) => planWorkflow(spec, wf));
  const project = planProject(
    spec,
    workflows,
    source.specFile === undefined ? null : basename(source.specFile),
  );
  return { project, workflows, files: planFiles(project, workflows) };
}

function planProject(spec: Spec, workflows: WorkflowPlan[], specFile: string | null): ProjectPlan {
  const templates: TemplatePartDef[][] = [];
  for (const wf of workflows) {
    templates.push(...valueTemplateParts(wf.definition.input));
    for (const c of Object.values(wf.definition.connections)) {
      templates.push(c.base_url, ...c.headers.map(([, v]) => v));
      if (c.basic_auth) templates.push(c.basic_auth.username, c.basic_auth.password);
    }
    for (const s of wf.definition.steps) {
      templates.push(s.path, ...s.headers.map(([, v]) => v), ...s.query.map(([, v]) => v));
      templates.push(...valueTemplateParts(s.body));
      if (s.idempotency_key) templates.push(s.idempotency_key);
    }
  }
  const { env, secrets: secretSet } = collectRefs(templates);
  const secrets = [...secretSet].sort().map(sqlIdentifier);
  const sf = spec.project.snowflake;
  const name = sqlIdentifier(spec.project.name);
  const orNull = (v: string | undefined) => (v === undefined ? null : snowflakeName(v));
  const hosts = new Set<string>();
  for (const conn of Object.values(spec.connections)) {
    const host = hostPort(conn.base_url);
    if (host) hosts.add(host);
  }
  return {
    name,
    description: spec.project.description ?? null,
    targets: [...spec.project.targets],
    duckdbPath: spec.project.duckdb.path,
    snowflake: {
      warehouse: orNull(sf.warehouse),
      database: orNull(sf.database),
      schema: orNull(sf.schema),
      role: orNull(sf.role),
      ownerRole: orNull(sf.owner_role),
      dbtProjectSource: sf.dbt_project_source === undefined ? null : stagePath(sf.dbt_project_source),
      dbtVersion: SNOWFLAKE_DBT_VERSION,
      hosts: [...hosts].sort(),
      secrets,
      objects: snowflakeObjects(name, sf, secrets),
    },
    envVars: [...env]
      .map(([n, d]) => ({ name: sqlIdentifier(n), default: d }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    secrets,
    callsApis: workflows.length > 0,
    fansOut: workflows.some((w) => w.definition.for_each !== null),
    autoRestart: spec.auto_restart ? planAutoRestart(spec.auto_restart, sf, inSchemaOf(sf)) : null,
    sync: spec.sync ? planSync(spec.sync, sf, workflows, spec.workflows) : null,
    alerts: spec.alerts ? planAlerts(spec.alerts, name, sf, workflows) : null,
    requireDbtVersion: [...DBT_VERSION_RANGE],
    genVersion: GEN_VERSION,
    specFile,
  };
}

type SnowflakeSettings = Spec["project"]["snowflake"] & object;

/** DB.SCHEMA (or SCHEMA) where the generated objects live, from project.snowflake; null: the current schema. */
function objectSchema(sf: SnowflakeSettings): SnowflakeName | null {
  if (!sf.schema) return null;
  return snowflakeName(sf.database && !sf.schema.includes(".") ? `${sf.database}.${sf.schema}` : sf.schema);
}

/** A name the spec gives with dots is taken as qualified; a bare one goes into the object schema. */
function inSchemaOf(sf: SnowflakeSettings): (name: string) => SnowflakeName {
  const schema = objectSchema(sf);
  return (n) => snowflakeName(n.includes(".") || !schema ? n : `${schema}.${n}`);
}

function planAlerts(
  alerts: NonNullable<Spec["alerts"]>,
  project: SqlIdentifier,
  sf: SnowflakeSettings,
  workflows: WorkflowPlan[],
): AlertsPlan {
  const inSchema = inSchemaOf(sf);
  const warehouse = alerts.warehouse ?? sf.warehouse;
  return {
    severity: alerts.severity,
    workflows: workflows
      .filter((wf) => wf.stateful)
      .map((wf) => ({
        workflow: wf.name,
        stateTable: inSchema(wf.definition.state.table),
        stuckAfterMinutes:
          alerts.stuck_after_minutes ?? Math.round(wf.definition.state.stuck_after_hours * 60),
      })),
    alert: inSchema(`GEN_ALERT_${project.toUpperCase()}`),
    integration:
      alerts.notification_integration === undefined ? null : snowflakeName(alerts.notification_integration),
    recipients: alerts.recipients ?? [],
    schedule: alerts.schedule,
    warehouse: warehouse === undefined ? null : snowflakeName(warehouse),
  };
}

function planAutoRestart(
  ar: NonNullable<Spec["auto_restart"]>,
  sf: SnowflakeSettings,
  inSchema: (name: string) => SnowflakeName,
): AutoRestartPlan {
  const schemaParts = ar.schema?.split(".").map(sqlIdentifier) ?? [];
  return {
    max_retries: ar.max_retries,
    max_age_hours: ar.max_age_hours,
    max_run_hours: ar.max_run_hours,
    runLogTable: sqlIdentifier(ar.run_log_table),
    modelLogTable: sqlIdentifier(ar.model_log_table),
    logSchema:
      schemaParts.length === 2
        ? { database: schemaParts[0] ?? null, schema: schemaParts[1] as SqlIdentifier }
        : schemaParts.length === 1
          ? { database: null, schema: schemaParts[0] as SqlIdentifier }
          : null,
    tasks: ar.tasks.map((t) => ({
      name: sqlIdentifier(t.name),
      object: inSchema(t.name),
      schedule: taskSchedule(t.schedule),
      args: dbtArgs(t.args),
      warehouse:
        t.warehouse !== undefined || sf.warehouse !== undefined
          ? snowflakeName(t.warehouse ?? sf.warehouse ?? "")
          : null,
    })),
  };
}

/**
 * Where each Snowflake object lives. A name the spec gives with dots is taken as qualified; a bare name goes
 * into project.snowflake.database.schema (or the session's current schema when that is not set).
 */
function planSync(
  sync: NonNullable<Spec["sync"]>,
  sf: SnowflakeSettings,
  workflows: WorkflowPlan[],
  specWorkflows: Spec["workflows"],
): SyncPlan {
  // a workflow is synced when it is stateful, the sync block selects it, and it does not say sync: false
  const optedOut = new Set(specWorkflows.filter((w) => w.sync === false).map((w) => w.name));
  const selected = (name: string) =>
    !optedOut.has(name) && (sync.workflows === undefined || sync.workflows.includes(name));
  const schema = sync.schema !== undefined ? snowflakeName(sync.schema) : objectSchema(sf);
  const target = (table: string) =>
    snowflakeName(schema ? `${schema}.${table.toUpperCase()}` : table.toUpperCase());
  return {
    schema,
    max_retries: sync.max_retries,
    backoff_s: sync.backoff_s,
    interval_s: sync.interval_s,
    concurrency: sync.concurrency,
    batch_size: sync.batch_size,
    tables: workflows
      .filter((wf) => wf.stateful && selected(wf.name))
      .map((wf) => {
        const { table, attempt_log_table } = wf.definition.state;
        return {
          workflow: wf.name,
          definitionMacro: wf.names.definitionMacro,
          state: {
            source: sqlIdentifier(table),
            target: target(table),
            columns: wf.stateColumns.map(({ name, type }) => ({ name, type })),
          },
          attempts: {
            source: sqlIdentifier(attempt_log_table),
            target: target(attempt_log_table),
            columns: wf.attemptColumns.map(({ name, type }) => ({ name, type })),
          },
        };
      }),
  };
}

function snowflakeObjects(
  project: string,
  sf: SnowflakeSettings,
  secrets: SqlIdentifier[],
): SnowflakeObjects {
  const upper = project.toUpperCase();
  const schema = objectSchema(sf);
  const inSchema = inSchemaOf(sf);
  const secretsSchema = sf.secrets_schema
    ? snowflakeName(
        sf.database && !sf.secrets_schema.includes(".")
          ? `${sf.database}.${sf.secrets_schema}`
          : sf.secrets_schema,
      )
    : null;
  return {
    schema,
    secretsSchema,
    networkRule: inSchema(sf.network_rule ?? `${upper}_API_EGRESS`),
    integration: snowflakeName(sf.external_access_integration ?? defaultExternalAccessIntegration(project)),
    procedure: inSchema(`${upper}_HTTP_REQUEST`),
    batchProcedure: inSchema(`${upper}_HTTP_BATCH`),
    secrets: secrets.map((n) => ({
      name: n,
      object: secretsSchema ? snowflakeName(`${secretsSchema}.${n}`) : inSchema(n),
    })),
    dbtProject: inSchema(sf.dbt_project_object ?? upper),
    defaultTarget: sqlIdentifier(SNOWFLAKE_DEFAULT_TARGET),
    restartProcedure: inSchema("RUN_DBT_AUTO_RESTART"),
    restartPlanView: inSchema("GEN_RESTART_PLAN"),
  };
}

/**
 * host:port of a base URL, with the ${env.X:-default} default substituted (the network rule needs a host),
 * read by the same parser that validated it, so the host listed is the host the HTTP primitive calls.
 */
export function hostPort(baseUrl: string): string | null {
  const concrete = compileTemplate(baseUrl)
    .map((p) => ("text" in p ? p.text : "env" in p || "var" in p ? (p.default ?? "") : ""))
    .join("");
  const parsed = parseHttpUrl(concrete);
  return "url" in parsed ? hostPortOf(parsed.url) : null;
}

function planWorkflow(spec: Spec, wf: Workflow): WorkflowPlan {
  const state = { ...wf.state }; // every key has its default from the schema
  const steps = wf.steps.map((s, i) => planStep(s, i));
  const usedConnections = [...new Set(wf.steps.map((s) => s.request.connection))];
  const connections: Record<string, ConnectionDef> = {};
  for (const name of usedConnections) {
    const c = spec.connections[name];
    if (!c) throw new Error(`internal: unknown connection ${name}`);
    const headers: [string, TemplatePartDef[]][] = Object.entries(c.headers).map(([k, v]) => [
      k,
      compileTemplate(v),
    ]);
    const auth = c.auth;
    if (auth?.type === "bearer") headers.push(["Authorization", compileTemplate("Bearer " + auth.token)]);
    else if (auth?.type === "header") headers.push([auth.name, compileTemplate(auth.value)]);
    connections[name] = {
      base_url: compileTemplate(c.base_url),
      headers,
      basic_auth:
        auth?.type === "basic"
          ? { username: compileTemplate(auth.username), password: compileTemplate(auth.password) }
          : null,
      timeout_s: c.timeout_s,
      retry: {
        ...c.retry,
        on: [...c.retry.on],
      },
    };
  }
  const headerTemplates = [
    ...Object.values(connections).flatMap((c) => [
      ...c.headers.map(([, v]) => v),
      ...(c.basic_auth ? [c.basic_auth.username, c.basic_auth.password] : []),
    ]),
    ...steps.flatMap((s) => s.headers.map(([, v]) => v)),
  ];
  const outputColumns = steps.flatMap((s) => s.outputs.map(([n]) => n));
  const responseColumns = steps.map((s) => s.response_column);
  const flagColumns = [...new Set(steps.flatMap((s) => [...s.flags_on_start, ...s.flags_on_success]))];
  const columns = {
    state: plannedColumns(
      stateColumns({
        steps,
        output_columns: outputColumns,
        flag_columns: flagColumns,
        response_columns: responseColumns,
        input_column: state.input_column,
        key_column: wf.for_each?.key ?? null,
      }),
    ),
    attempts: plannedColumns(ATTEMPT_LOG_COLUMNS),
    result: plannedColumns(resultColumns(steps)),
  } satisfies Record<string, PlannedColumn[]>;
  const definition: WorkflowDef = {
    name: wf.name,
    description: wf.description ?? null,
    input: compileValue(wf.input),
    // the status of a finished execution: what the last step sets, else "completed"
    final_status: steps[steps.length - 1]?.sets_status ?? "completed",
    state,
    output_columns: outputColumns,
    response_columns: responseColumns,
    flag_columns: flagColumns,
    columns: {
      state: runtimeColumns(columns.state),
      attempts: runtimeColumns(columns.attempts),
      result: runtimeColumns(columns.result),
    },
    secrets: [...collectRefs(headerTemplates).secrets].sort(),
    connections,
    steps,
    for_each: wf.for_each
      ? {
          model: wf.for_each.model,
          key: wf.for_each.key,
          concurrency: wf.concurrency,
          max_failed_rows: wf.for_each.max_failed_rows,
          row_columns: rowColumnsOf(steps),
        }
      : null,
  };
  const modes = wf.modes;
  const n = wf.name;
  return {
    name: sqlIdentifier(n),
    description: wf.description ?? null,
    tags: {
      stateful: modelTags("gen_stateful", wf.tags),
      stateless: modelTags("gen_stateless", wf.tags),
      monitoring: modelTags("gen_monitoring", wf.tags),
    },
    stateful: modes.includes("stateful"),
    stateless: modes.includes("stateless"),
    definition,
    forEachModel: wf.for_each ? sqlIdentifier(wf.for_each.model) : null,
    names: validatedNames(workflowNames(n)),
    stateColumns: columns.state,
    attemptColumns: columns.attempts,
    resultColumns: columns.result,
    statusValues: [
      ...new Set([
        "pending",
        ...steps.flatMap((s) => (s.sets_status ? [s.sets_status] : [])),
        definition.final_status,
        "error",
      ]),
    ],
    diagram: sequenceDiagram(wf, modes.includes("stateful") ? "stateful" : "stateless"),
  };
}

/** gen's tags of a kind of model, then the workflow's own, each once. */
function modelTags(kind: string, workflowTags: string[]): string[] {
  return [...new Set(["gen", kind, ...workflowTags])];
}

/** Columns whose names are checked once as the identifiers they must be (templates print them as they are). */
function plannedColumns(columns: readonly ColumnDef[]): PlannedColumn[] {
  return columns.map((c) => ({ ...c, name: sqlIdentifier(c.name) }));
}

/** The generated names of a workflow, each checked as the identifier it must be. */
function validatedNames(names: WorkflowNames): WorkflowPlan["names"] {
  return Object.fromEntries(
    Object.entries(names).map(([key, name]) => [key, sqlIdentifier(name)]),
  ) as WorkflowPlan["names"];
}

/** The columns `${row.<column>}` reads in the steps' requests, sorted. */
function rowColumnsOf(steps: StepDef[]): string[] {
  const templates = steps.flatMap((s) => [
    s.path,
    ...s.headers.map(([, v]) => v),
    ...s.query.map(([, v]) => v),
    ...valueTemplateParts(s.body),
    ...(s.idempotency_key ? [s.idempotency_key] : []),
  ]);
  const columns = new Set<string>();
  for (const parts of templates)
    for (const p of parts)
      if ("ref" in p && p.ref[0] === "row" && p.ref[1] !== undefined) columns.add(p.ref[1]);
  return [...columns].sort();
}

function planStep(step: Step, index: number): StepDef {
  const method = step.request.method;
  const mutating = method !== "GET";
  // Every mutating request carries an idempotency key, so a retried or resumed call cannot act twice.
  const idempotency = step.request.idempotency_key ?? (mutating ? "${execution.id}:" + step.name : null);
  const poll = step.poll;
  return {
    name: step.name,
    index,
    description: step.description ?? null,
    connection: step.request.connection,
    method,
    path: compileTemplate(step.request.path),
    query: Object.entries(step.request.query ?? {}).map(([k, v]) => [k, compileTemplate(String(v))]),
    headers: Object.entries(step.request.headers ?? {}).map(([k, v]) => [k, compileTemplate(v)]),
    body: step.request.body === undefined ? null : compileValue(step.request.body),
    idempotency_key: idempotency === null ? null : compileTemplate(idempotency),
    outputs: Object.entries(step.outputs).map(([name, output]) => {
      const { path, type } = typeof output === "string" ? { path: output, type: "string" as const } : output;
      return [name, segments(path), path, type];
    }),
    poll: poll
      ? {
          status: segments(poll.status),
          status_path: poll.status,
          success: [...poll.success],
          pending: [...poll.pending],
          failure: [...poll.failure],
          max_attempts: poll.max_attempts,
          interval_s: poll.interval_s,
          backoff: poll.backoff,
          max_interval_s: poll.max_interval_s,
          timeout_s: poll.timeout_s,
        }
      : null,
    sets_status: step.sets_status ?? null,
    response_column: step.response_column,
    flags_on_start: [...step.flags.on_start],
    flags_on_success: [...step.flags.on_success],
    when: stepCondition(step.when),
  };
}

/** The runtime form of a validated `when:` (rules.ts checked its shape and names). */
function stepCondition(when: Step["when"]): StepCondition | null {
  if (when === undefined) return null;
  if (when.flag !== undefined) return { flag: when.flag };
  const [step, output] = (when.output ?? "").split(".");
  if (step === undefined || output === undefined) throw new Error(`internal: unvalidated condition`);
  const op = "equals" in when ? "equals" : "not_equals";
  return { output: [step, output], op, value: when[op] ?? null };
}

function segments(path: string): (string | number)[] {
  const parsed = parseJsonPath(path);
  if ("error" in parsed) throw new Error(`internal: unvalidated JSONPath ${path}`);
  return parsed.segments;
}

/** The files of the project, from the table of outputs: each output whose features the project (or workflow) has. */
function planFiles(project: ProjectPlan, workflows: WorkflowPlan[]): FilePlan[] {
  const files: FilePlan[] = [];
  for (const output of OUTPUTS) {
    const { source, from } = output;
    if (output.scope === "project") {
      if (output.features.every((f) => projectHas(project, f)))
        files.push({ path: output.path, source, from });
      continue;
    }
    for (const wf of workflows)
      if (output.features.every((f) => workflowHas(wf, f)))
        files.push({ path: workflowPath(output.path, wf.name), source, from, workflow: wf.name });
  }
  return files;
}
