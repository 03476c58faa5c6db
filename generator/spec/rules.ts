/**
 * Cross-field checks, one named function per rule. Each rule reads the *raw* loaded data
 * defensively (so that it also runs when the schema found problems elsewhere, and all problems
 * are reported at once) and computes the defaults it needs itself.
 */
import type { Diagnostic, SourceLocation } from "../errors.ts";
import {
  defaultExternalAccessIntegration,
  fixIdentifier,
  identifierProblem,
  IDENTIFIER_RULE,
  MAX_IDENTIFIER_LENGTH,
  RESERVED_STATE_COLUMNS,
} from "./identifiers.ts";
import { parseJsonPath } from "./jsonpath.ts";
import {
  type Feature,
  GEN_OWN_MODEL_FOLDERS,
  GEN_OWN_RELATIONS,
  generatedNamesOf,
  RESERVED_RESULT_COLUMNS,
  takenMacroName,
} from "./names.ts";
import type { PathSegment, SourceIndex } from "./load.ts";
import { formatPath } from "./load.ts";
import { parseTemplate, type RefPart } from "./refs.ts";
import {
  DEFAULT_INPUT_COLUMN,
  defaultAttemptLogTable,
  archiveTableOf,
  defaultResponseColumn,
  defaultStateTable,
  DEFAULT_TARGETS,
  LOG_SCHEMA,
  defaultModes,
} from "./schema.ts";
import { didYouMean } from "./suggest.ts";
import { parseHttpUrl, withoutCredentials } from "./url.ts";

export interface RuleContext {
  /** the loaded document (a mapping), not yet known to match the schema */
  data: Record<string, unknown>;
  source: SourceIndex;
  /** the targets given on the command line (gen build --target), which replace project.targets */
  targets?: readonly string[];
}

export type Rule = (ctx: RuleContext) => Diagnostic[];

// ---------------------------------------------------------------------------------------------
// defensive access to raw data

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const asObj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const own = (o: Obj | undefined, k: string): boolean =>
  o !== undefined && Object.prototype.hasOwnProperty.call(o, k);

interface WorkflowRef {
  wf: Obj;
  path: PathSegment[];
  name: string | undefined;
}
interface StepRef {
  step: Obj;
  path: PathSegment[];
  name: string | undefined;
  index: number;
}

function workflowsOf(data: Obj): WorkflowRef[] {
  const out: WorkflowRef[] = [];
  asList(data.workflows).forEach((w, i) => {
    if (isObj(w)) out.push({ wf: w, path: ["workflows", i], name: asStr(w.name) });
  });
  return out;
}

function stepsOf(w: WorkflowRef): StepRef[] {
  const out: StepRef[] = [];
  asList(w.wf.steps).forEach((s, i) => {
    if (isObj(s)) out.push({ step: s, path: [...w.path, "steps", i], name: asStr(s.name), index: i });
  });
  return out;
}

function outputsOf(s: StepRef): [string, unknown][] {
  return Object.entries(asObj(s.step.outputs) ?? {});
}

function diag(
  severity: Diagnostic["severity"],
  code: string,
  message: string,
  location: SourceLocation,
  path: readonly PathSegment[],
  hint?: string,
): Diagnostic {
  const d: Diagnostic = { severity, code, message, location, path: formatPath(path) };
  if (hint !== undefined) d.hint = hint;
  return d;
}

const wfLabel = (w: WorkflowRef) => (w.name !== undefined ? ` of workflow "${w.name}"` : "");

/** The modes of a workflow, with the schema's default. */
function modesOf(w: WorkflowRef): string[] {
  return own(w.wf, "modes")
    ? asList(w.wf.modes).filter((m): m is string => typeof m === "string")
    : defaultModes(own(w.wf, "for_each"));
}

/** The optional blocks the spec has: gen writes their tables, models and folders only then. */
function featuresOf(data: Obj): Set<Feature> {
  const features = new Set<Feature>(["always"]);
  if (own(data, "auto_restart")) features.add("auto_restart");
  if (own(data, "sync")) features.add("sync");
  return features;
}

/** gen's own relations this spec has, with the log tables under the names auto_restart gives them */
function ownRelationsOf(data: Obj): OwnRelation[] {
  const autoRestart = asObj(data.auto_restart);
  const renamed: Record<string, string | undefined> = {
    dbt_run_log: asStr(autoRestart?.run_log_table),
    dbt_model_log: asStr(autoRestart?.model_log_table),
  };
  return GEN_OWN_RELATIONS.filter((r) => featuresOf(data).has(r.when)).map((r) => {
    const name = renamed[r.name];
    return name !== undefined ? { ...r, name: name.toLowerCase() } : r;
  });
}
type OwnRelation = (typeof GEN_OWN_RELATIONS)[number];

// ---------------------------------------------------------------------------------------------
// duplicate-name

interface Named {
  name: string;
  path: PathSegment[];
  /** point at the key (for names that are mapping keys) */
  key?: boolean;
  extra?: string;
}

function duplicates(
  ctx: RuleContext,
  items: Named[],
  what: string,
  where: string,
  hintFor?: (first: Named) => string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, Named>();
  for (const item of items) {
    const k = item.name.toLowerCase();
    const first = seen.get(k);
    if (!first) {
      seen.set(k, item);
      continue;
    }
    const firstLine = ctx.source.locate(first.path, { key: first.key }).line;
    let hint = hintFor ? hintFor(first) : `first used at line ${firstLine}`;
    if (first.name !== item.name) hint += "; names are case-insensitive";
    out.push(
      diag(
        "error",
        "duplicate-name",
        `duplicate ${what} "${item.name}"${where}`,
        ctx.source.locate(item.path, { key: item.key }),
        item.path,
        hint,
      ),
    );
  }
  return out;
}

/** Workflows, steps of a workflow, outputs of a workflow (state-table columns), connections, tasks. */
export function duplicateName(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const connections = Object.keys(asObj(ctx.data.connections) ?? {}).map((name) => ({
    name,
    path: ["connections", name],
    key: true,
  }));
  out.push(...duplicates(ctx, connections, "connection name", ""));
  const wfs = workflowsOf(ctx.data);
  out.push(
    ...duplicates(
      ctx,
      wfs.flatMap((w) => (w.name !== undefined ? [{ name: w.name, path: [...w.path, "name"] }] : [])),
      "workflow name",
      "",
    ),
  );
  for (const w of wfs) {
    const steps = stepsOf(w);
    out.push(
      ...duplicates(
        ctx,
        steps.flatMap((s) => (s.name !== undefined ? [{ name: s.name, path: [...s.path, "name"] }] : [])),
        "step name",
        w.name !== undefined ? ` in workflow "${w.name}"` : "",
      ),
    );
    const outputs: Named[] = steps.flatMap((s) =>
      outputsOf(s).map(([name]) => ({ name, path: [...s.path, "outputs", name], key: true, extra: s.name })),
    );
    out.push(
      ...duplicates(
        ctx,
        outputs,
        "output name",
        w.name !== undefined ? ` in workflow "${w.name}"` : "",
        (first) =>
          `also declared${first.extra !== undefined ? ` by step "${first.extra}"` : ""} at line ${
            ctx.source.locate(first.path, { key: true }).line
          }; outputs become state-table columns`,
      ),
    );
  }
  const tasks = asList(asObj(ctx.data.auto_restart)?.tasks).flatMap((t, i) => {
    const name = asStr(asObj(t)?.name);
    return name !== undefined ? [{ name, path: ["auto_restart", "tasks", i, "name"] }] : [];
  });
  out.push(...duplicates(ctx, tasks, "task name", ""));
  return out;
}

// ---------------------------------------------------------------------------------------------
// invalid-identifier

/** Every name that becomes a SQL identifier. */
export function invalidIdentifier(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (value: unknown, path: PathSegment[], what: string, key = false) => {
    if (typeof value !== "string") return;
    const problem = identifierProblem(value);
    if (!problem) return;
    out.push(
      diag(
        "error",
        "invalid-identifier",
        `invalid ${what} "${value}": ${problem}`,
        ctx.source.locate(path, { key }),
        path,
        value === "" ? IDENTIFIER_RULE : `${IDENTIFIER_RULE}; try "${fixIdentifier(value)}"`,
      ),
    );
  };
  /** a default derived from a valid name can still be too long */
  const checkDerived = (
    base: unknown,
    derived: string,
    path: PathSegment[],
    what: string,
    setting: string,
  ) => {
    if (typeof base !== "string" || identifierProblem(base) || derived.length <= MAX_IDENTIFIER_LENGTH)
      return;
    out.push(
      diag(
        "error",
        "invalid-identifier",
        `the default ${what} "${derived}" is longer than ${MAX_IDENTIFIER_LENGTH} characters`,
        ctx.source.locate(path),
        path,
        `set ${setting} to a shorter name, or shorten "${base}"`,
      ),
    );
  };

  const project = asObj(ctx.data.project);
  check(project?.name, ["project", "name"], "project name");
  for (const name of Object.keys(asObj(ctx.data.connections) ?? {})) {
    check(name, ["connections", name], "connection name", true);
  }
  for (const w of workflowsOf(ctx.data)) {
    check(w.wf.name, [...w.path, "name"], "workflow name");
    const state = asObj(w.wf.state);
    const statePath = [...w.path, "state"];
    check(state?.table, [...statePath, "table"], "state table name");
    check(state?.attempt_log_table, [...statePath, "attempt_log_table"], "attempt log table name");
    check(state?.input_column, [...statePath, "input_column"], "input column name");
    const forEach = asObj(w.wf.for_each);
    check(forEach?.model, [...w.path, "for_each", "model"], "for_each model name");
    check(forEach?.key, [...w.path, "for_each", "key"], "for_each key column");
    if (w.name !== undefined) {
      if (!own(state, "table")) {
        checkDerived(
          w.name,
          defaultStateTable(w.name),
          [...w.path, "name"],
          "state table name",
          "state.table",
        );
      }
      if (!own(state, "attempt_log_table")) {
        const derived = defaultAttemptLogTable(w.name);
        checkDerived(
          w.name,
          derived,
          [...w.path, "name"],
          "attempt log table name",
          "state.attempt_log_table",
        );
      }
    }
    for (const s of stepsOf(w)) {
      check(s.step.name, [...s.path, "name"], "step name");
      for (const [name] of outputsOf(s)) check(name, [...s.path, "outputs", name], "output name", true);
      check(s.step.response_column, [...s.path, "response_column"], "response column name");
      if (!own(s.step, "response_column") && s.name !== undefined) {
        const derived = defaultResponseColumn(s.name);
        checkDerived(s.name, derived, [...s.path, "name"], "response column name", "response_column");
      }
      const flags = asObj(s.step.flags);
      for (const when of ["on_start", "on_success"] as const) {
        asList(flags?.[when]).forEach((f, i) => check(f, [...s.path, "flags", when, i], "flag name"));
      }
    }
  }
  const autoRestart = asObj(ctx.data.auto_restart);
  asList(autoRestart?.tasks).forEach((t, i) =>
    check(asObj(t)?.name, ["auto_restart", "tasks", i, "name"], "task name"),
  );
  check(autoRestart?.run_log_table, ["auto_restart", "run_log_table"], "run log table name");
  check(autoRestart?.model_log_table, ["auto_restart", "model_log_table"], "model log table name");
  // the schema's pattern reports bad characters; here only what a pattern cannot see (reserved words, length)
  const logSchema = asStr(autoRestart?.schema);
  if (logSchema !== undefined && LOG_SCHEMA.test(logSchema))
    logSchema.split(".").forEach((part) => check(part, ["auto_restart", "schema"], "schema name"));
  return out;
}

// ---------------------------------------------------------------------------------------------
// unknown-connection

export function unknownConnection(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const names = Object.keys(asObj(ctx.data.connections) ?? {});
  for (const w of workflowsOf(ctx.data)) {
    for (const s of stepsOf(w)) {
      const name = asStr(asObj(s.step.request)?.connection);
      if (name === undefined || names.includes(name)) continue;
      const path = [...s.path, "request", "connection"];
      const hint =
        didYouMean(name, names) ??
        (names.length ? `defined connections: ${names.join(", ")}` : "define it under connections");
      out.push(
        diag(
          "error",
          "unknown-connection",
          `unknown connection "${name}"`,
          ctx.source.locate(path),
          path,
          hint,
        ),
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// unknown-reference (also invalid-reference for syntax and misplaced-reference for placement)

interface ConnectionPlace {
  kind: "connection";
  secrets: boolean;
  /** `base_url`, `headers`, ... for messages */
  where: string;
}
interface StepPlace {
  kind: "step";
  secrets: boolean;
  where: string;
  workflow: WorkflowRef;
  steps: StepRef[];
  index: number;
}
/** A string of the workflow's `input:`, resolved when a run starts: only ${env.X} and ${var.X} work there. */
interface InputPlace {
  kind: "input";
  secrets: false;
  where: string;
}
type Place = ConnectionPlace | StepPlace | InputPlace;

const IDEMPOTENCY_KEY_PLACE = "idempotency_key";

const SECRET_HINT =
  "secrets are only sent in headers (connection headers and auth, step headers), never in a URL, query or body";

/** `locate` is called only for a problem: looking up positions costs more than the checks. */
function checkRef(
  ref: RefPart,
  place: Place,
  locate: () => SourceLocation,
  path: PathSegment[],
): Diagnostic[] {
  const err = (code: string, message: string, hint?: string, severity: Diagnostic["severity"] = "error") => [
    diag(severity, code, message, locate(), path, hint),
  ];
  if (ref.root === "secret" && !place.secrets) {
    return err("misplaced-reference", `${ref.raw} cannot be used in ${place.where}`, SECRET_HINT);
  }
  if (place.kind === "input") {
    if (ref.root === "env" || ref.root === "var") return [];
    return err(
      "misplaced-reference",
      `${ref.raw} cannot be used in the input`,
      "the input is read when a run starts, before any step: only ${env.NAME} and ${var.NAME} work here",
    );
  }
  if (place.kind === "connection") {
    if (ref.root === "env" || ref.root === "var" || ref.root === "secret") return [];
    return err(
      "misplaced-reference",
      `${ref.raw} cannot be used in a connection`,
      ref.root === "now" || ref.root === "execution"
        ? `\${${ref.root}${ref.root === "execution" ? ".*" : ""}} is only available in steps`
        : "a connection is shared by all steps: only ${env.NAME}, ${var.NAME} and ${secret.NAME} work here; move it into a step's request",
    );
  }
  if (ref.root === "now" && place.where === IDEMPOTENCY_KEY_PLACE) {
    return err(
      "misplaced-reference",
      `${ref.raw} in idempotency_key changes from one run to the next: a call sent again after an interruption would carry a new key, and the API could act twice`,
      "build the key from ${execution.id}, or ${row.<column>} with for_each: they stay the same when an execution resumes",
      "warning",
    );
  }
  if (ref.root === "row" && !own(place.workflow.wf, "for_each")) {
    return err(
      "misplaced-reference",
      `${ref.raw} reads a row of for_each, but ${place.workflow.name !== undefined ? `workflow "${place.workflow.name}"` : "this workflow"} has no for_each`,
      "add for_each: { model: <model>, key: <column> } to the workflow, or use ${input.<field>}",
    );
  }
  if (ref.root === "input") {
    const input = own(place.workflow.wf, "input") ? place.workflow.wf.input : {};
    const first = ref.path[0];
    if (first === undefined) return [];
    if (isObj(input)) return checkInputPath(ref, input, err);
    if (Array.isArray(input) && /^[0-9]+$/.test(first)) return [];
    const kind = Array.isArray(input) ? "a list" : input === null ? "null" : `a ${typeof input}`;
    return err(
      "unknown-reference",
      `${ref.raw} reads a field of the input, but the input${wfLabel(place.workflow)} is ${kind}`,
      "use ${input} for the whole input, or make input a mapping",
      "warning",
    );
  }
  if (ref.root !== "steps") return [];
  const [stepName, outputName] = ref.path as [string, string];
  const target = place.steps.find((s) => s.name === stepName);
  const current = place.steps[place.index];
  if (!target) {
    const names = place.steps.flatMap((s) => (s.name !== undefined ? [s.name] : []));
    return err(
      "unknown-reference",
      `${ref.raw}: no step "${stepName}"${place.workflow.name !== undefined ? ` in workflow "${place.workflow.name}"` : ""}`,
      didYouMean(stepName, names) ?? `steps: ${names.join(", ")}`,
    );
  }
  if (target.index === place.index) {
    return err(
      "unknown-reference",
      `${ref.raw}: step "${stepName}" cannot use its own output`,
      "a step's outputs are available to the steps after it",
    );
  }
  if (target.index > place.index) {
    return err(
      "unknown-reference",
      `${ref.raw}: step "${stepName}" runs after step "${current?.name ?? place.index}"`,
      "a step can only use the outputs of steps before it",
    );
  }
  const outputs = outputsOf(target).map(([k]) => k);
  if (!outputs.includes(outputName)) {
    return err(
      "unknown-reference",
      `${ref.raw}: step "${stepName}" has no output "${outputName}"`,
      didYouMean(outputName, outputs) ??
        (outputs.length
          ? `its outputs: ${outputs.join(", ")}`
          : `declare it: outputs: { ${outputName}: $.${outputName} } under step "${stepName}"`),
    );
  }
  return [];
}

/**
 * `${input.a.b}` against the declared input: each name must be a key of the mapping it reads (a run may give
 * other values, not other names). A path into a value that is not a mapping is left to run time.
 */
function checkInputPath(
  ref: RefPart,
  input: Obj,
  err: (code: string, message: string, hint?: string) => Diagnostic[],
): Diagnostic[] {
  let current: unknown = input;
  const walked: string[] = [];
  for (const name of ref.path) {
    if (!isObj(current)) return [];
    const keys = Object.keys(current);
    if (!own(current, name)) {
      const where = walked.length ? `input.${walked.join(".")}` : "the input";
      return err(
        "unknown-reference",
        `${ref.raw}: ${where} has no field "${name}"`,
        didYouMean(name, keys) ??
          (keys.length
            ? `its fields: ${keys.join(", ")}`
            : `declare it under input: ${name}: <default value>`),
      );
    }
    current = current[name];
    walked.push(name);
  }
  return [];
}

function checkTemplateString(
  ctx: RuleContext,
  value: string,
  path: PathSegment[],
  place: Place,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const parsed = parseTemplate(value);
  for (const e of parsed.errors) {
    const at = ctx.source.locateInString(path, value, e.offset);
    out.push(diag("error", "invalid-reference", e.message, at, path, e.hint));
  }
  for (const part of parsed.parts) {
    if (part.kind !== "ref") continue;
    out.push(...checkRef(part, place, () => ctx.source.locateInString(path, value, part.offset), path));
  }
  return out;
}

/** Strings anywhere inside a JSON value (object keys are not templates). */
function checkTemplateValue(
  ctx: RuleContext,
  value: unknown,
  path: PathSegment[],
  place: Place,
): Diagnostic[] {
  if (typeof value === "string") return checkTemplateString(ctx, value, path, place);
  if (Array.isArray(value)) return value.flatMap((v, i) => checkTemplateValue(ctx, v, [...path, i], place));
  if (isObj(value))
    return Object.entries(value).flatMap(([k, v]) => checkTemplateValue(ctx, v, [...path, k], place));
  return [];
}

/** Every `${...}` in connections (base_url, headers, auth) and in step requests. */
export function unknownReference(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, c] of Object.entries(asObj(ctx.data.connections) ?? {})) {
    const conn = asObj(c);
    if (!conn) continue;
    const path: PathSegment[] = ["connections", name];
    const place = (where: string, secrets: boolean): Place => ({ kind: "connection", secrets, where });
    if (typeof conn.base_url === "string") {
      out.push(...checkTemplateString(ctx, conn.base_url, [...path, "base_url"], place("base_url", false)));
    }
    for (const [k, v] of Object.entries(asObj(conn.headers) ?? {})) {
      if (typeof v === "string")
        out.push(...checkTemplateString(ctx, v, [...path, "headers", k], place("headers", true)));
    }
    for (const [k, v] of Object.entries(asObj(conn.auth) ?? {})) {
      if (k !== "type" && typeof v === "string") {
        out.push(...checkTemplateString(ctx, v, [...path, "auth", k], place("auth", true)));
      }
    }
  }
  for (const w of workflowsOf(ctx.data)) {
    if (own(w.wf, "input")) {
      const place: InputPlace = { kind: "input", secrets: false, where: "the input" };
      out.push(...checkTemplateValue(ctx, w.wf.input, [...w.path, "input"], place));
    }
    const steps = stepsOf(w);
    for (const s of steps) {
      const request = asObj(s.step.request);
      if (!request) continue;
      const rp: PathSegment[] = [...s.path, "request"];
      const place = (where: string, secrets = false): StepPlace => ({
        kind: "step",
        secrets,
        where,
        workflow: w,
        steps,
        index: s.index,
      });
      if (typeof request.path === "string") {
        out.push(...checkTemplateString(ctx, request.path, [...rp, "path"], place("the path")));
      }
      for (const [k, v] of Object.entries(asObj(request.query) ?? {})) {
        if (typeof v === "string")
          out.push(...checkTemplateString(ctx, v, [...rp, "query", k], place("the query")));
      }
      for (const [k, v] of Object.entries(asObj(request.headers) ?? {})) {
        if (typeof v === "string") {
          out.push(...checkTemplateString(ctx, v, [...rp, "headers", k], place("headers", true)));
        }
      }
      if (own(request, "body"))
        out.push(...checkTemplateValue(ctx, request.body, [...rp, "body"], place("the body")));
      if (typeof request.idempotency_key === "string") {
        const p = [...rp, "idempotency_key"];
        out.push(...checkTemplateString(ctx, request.idempotency_key, p, place(IDEMPOTENCY_KEY_PLACE)));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// invalid-condition

const CONDITION_HINT = "write when: { flag: <flag> } or when: { output: <step>.<output>, equals: <value> }";

/** Flags set by steps[0..before), with the step that sets each first. */
function flagsSetBefore(steps: StepRef[], before: number): Map<string, string> {
  const flags = new Map<string, string>();
  for (const s of steps.slice(0, before)) {
    const f = asObj(s.step.flags);
    for (const name of [...asList(f?.on_start), ...asList(f?.on_success)])
      if (typeof name === "string" && !flags.has(name)) flags.set(name, s.name ?? String(s.index));
  }
  return flags;
}

/** `when:` of a step: one flag, or one output of an earlier step with equals or not_equals; names that exist. */
export function invalidCondition(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const w of workflowsOf(ctx.data)) {
    const steps = stepsOf(w);
    for (const s of steps) {
      const when = asObj(s.step.when);
      if (!when) continue;
      const at = [...s.path, "when"];
      const problem = (key: string | null, message: string, hint?: string) =>
        out.push(
          diag("error", "invalid-condition", message, ctx.source.locate(key ? [...at, key] : at), at, hint),
        );
      const hasFlag = own(when, "flag");
      const hasOutput = own(when, "output");
      const comparisons = ["equals", "not_equals"].filter((k) => own(when, k));
      if (hasFlag === hasOutput) {
        problem(
          null,
          `when of step "${s.name}" needs ${hasFlag ? "either flag or output, not both" : "a flag or an output"}`,
          CONDITION_HINT,
        );
        continue;
      }
      if (hasFlag) {
        if (comparisons.length)
          problem(comparisons[0]!, `when: ${comparisons[0]} compares an output, not a flag`, CONDITION_HINT);
        const flag = asStr(when.flag);
        if (flag === undefined) continue; // the schema reports the type
        const earlier = flagsSetBefore(steps, s.index);
        if (earlier.has(flag)) continue;
        const later = flagsSetBefore(steps, steps.length).get(flag);
        problem(
          "flag",
          later !== undefined
            ? `when: flag "${flag}" is set by step "${later}", which does not run before step "${s.name}"`
            : `when: no step before "${s.name}" sets flag "${flag}"`,
          didYouMean(flag, [...earlier.keys()]) ??
            (earlier.size
              ? `flags set before it: ${[...earlier.keys()].join(", ")}`
              : "a flag is set by an earlier step: flags: { on_success: [<flag>] }"),
        );
        continue;
      }
      if (comparisons.length !== 1) {
        problem(
          comparisons.length ? "not_equals" : "output",
          comparisons.length
            ? "when: give equals or not_equals, not both"
            : "when: output needs a value to compare with: equals or not_equals",
          CONDITION_HINT,
        );
      }
      const output = asStr(when.output);
      if (output === undefined) continue;
      const [stepName, outputName, ...rest] = output.split(".");
      if (stepName === undefined || outputName === undefined || rest.length > 0 || !stepName || !outputName) {
        problem("output", `when: output ${JSON.stringify(output)} must be <step>.<output>`, CONDITION_HINT);
        continue;
      }
      const earlier = steps.slice(0, s.index);
      const target = earlier.find((t) => t.name === stepName);
      if (!target) {
        const isLater = steps.slice(s.index).some((t) => t.name === stepName);
        const names = earlier.flatMap((t) => (t.name !== undefined ? [t.name] : []));
        problem(
          "output",
          isLater
            ? `when: step "${stepName}" does not run before step "${s.name}"`
            : `when: no step "${stepName}" in workflow "${w.name}"`,
          didYouMean(stepName, names) ??
            (names.length
              ? `steps before it: ${names.join(", ")}`
              : "a condition reads an earlier step's output"),
        );
        continue;
      }
      const outputs = outputsOf(target).map(([k]) => k);
      if (!outputs.includes(outputName)) {
        problem(
          "output",
          `when: step "${stepName}" has no output "${outputName}"`,
          didYouMean(outputName, outputs) ??
            (outputs.length
              ? `its outputs: ${outputs.join(", ")}`
              : `declare it: outputs: { ${outputName}: $.${outputName} }`),
        );
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// invalid-jsonpath

const JSONPATH_HINT = "supported: $, $.a.b, $.a[0], $.a[-1], $['key with space']";

export function invalidJsonPath(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (value: unknown, path: PathSegment[]) => {
    if (typeof value !== "string") return;
    const r = parseJsonPath(value);
    if ("error" in r) {
      out.push(
        diag(
          "error",
          "invalid-jsonpath",
          `invalid JSONPath "${value}": ${r.error}`,
          ctx.source.locate(path),
          path,
          JSONPATH_HINT,
        ),
      );
    }
  };
  for (const w of workflowsOf(ctx.data)) {
    for (const s of stepsOf(w)) {
      for (const [name, v] of outputsOf(s)) {
        // an output is its JSONPath, or { path, type }
        const typed = asObj(v);
        if (typed) check(typed.path, [...s.path, "outputs", name, "path"]);
        else check(v, [...s.path, "outputs", name]);
      }
      check(asObj(s.step.poll)?.status, [...s.path, "poll", "status"]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// poll-status-lists

/** success, pending and failure must not share a status. Statuses are compared by JSON type, as the runtime
 * does: true and "true" are two statuses. */
export function pollStatusLists(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const w of workflowsOf(ctx.data)) {
    for (const s of stepsOf(w)) {
      const poll = asObj(s.step.poll);
      if (!poll) continue;
      const seen = new Map<string, string>();
      for (const list of ["success", "pending", "failure"] as const) {
        asList(poll[list]).forEach((v, i) => {
          if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return;
          const status = JSON.stringify(v);
          const other = seen.get(status);
          if (other === undefined) {
            seen.set(status, list);
            return;
          }
          if (other === list) return; // repeated in one list: harmless
          const path = [...s.path, "poll", list, i];
          out.push(
            diag(
              "error",
              "poll-status-lists",
              `status ${status} is listed in both ${other} and ${list}`,
              ctx.source.locate(path),
              path,
              "a status belongs to one of success, pending and failure",
            ),
          );
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// column-collision

interface Column {
  name: string;
  what: string;
  path?: PathSegment[];
  key?: boolean;
  kind: "fixed" | "input" | "output" | "response" | "flag";
  hint?: string;
  /** a default derived from a step name */
  derived?: boolean;
}

/**
 * The state table's columns (fixed, input, outputs, response columns, flags) must be unique, and so must
 * the stateless model's result columns (fixed, outputs).
 */
export function columnCollision(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const w of workflowsOf(ctx.data)) {
    const columns: Column[] = RESERVED_STATE_COLUMNS.map((name) => ({
      name,
      what: `the fixed column "${name}"`,
      kind: "fixed" as const,
    }));
    const state = asObj(w.wf.state);
    const inputColumn = asStr(state?.input_column);
    if (inputColumn !== undefined) {
      columns.push({
        name: inputColumn,
        what: `the input column "${inputColumn}"`,
        path: [...w.path, "state", "input_column"],
        kind: "input",
      });
    } else {
      columns.push({
        name: DEFAULT_INPUT_COLUMN,
        what: `the input column "${DEFAULT_INPUT_COLUMN}"`,
        path: [...w.path, "name"],
        kind: "input",
        hint: `the input column defaults to "${DEFAULT_INPUT_COLUMN}"; set state.input_column to rename it`,
      });
    }
    const forEachKey = asStr(asObj(w.wf.for_each)?.key);
    if (forEachKey !== undefined) {
      columns.push({
        name: forEachKey,
        what: `the key column "${forEachKey}" of for_each`,
        path: [...w.path, "for_each", "key"],
        kind: "input",
      });
    }
    for (const s of stepsOf(w)) {
      const label = s.name !== undefined ? `step "${s.name}"` : `step ${s.index + 1}`;
      for (const [name] of outputsOf(s)) {
        columns.push({
          name,
          what: `output "${name}" of ${label}`,
          path: [...s.path, "outputs", name],
          key: true,
          kind: "output",
        });
      }
      const rc = asStr(s.step.response_column);
      if (rc !== undefined) {
        columns.push({
          name: rc,
          what: `the response column "${rc}" of ${label}`,
          path: [...s.path, "response_column"],
          kind: "response",
        });
      } else if (s.name !== undefined) {
        const name = defaultResponseColumn(s.name);
        columns.push({
          name,
          what: `the response column "${name}" of ${label}`,
          path: [...s.path, "name"],
          kind: "response",
          hint: `the response column defaults to "${name}"; set response_column to another name`,
          derived: true,
        });
      }
      const flags = asObj(s.step.flags);
      for (const when of ["on_start", "on_success"] as const) {
        asList(flags?.[when]).forEach((f, i) => {
          if (typeof f === "string") {
            columns.push({ name: f, what: `flag "${f}"`, path: [...s.path, "flags", when, i], kind: "flag" });
          }
        });
      }
    }
    const seen = new Map<string, Column>();
    for (const col of columns) {
      const k = col.name.toLowerCase();
      const first = seen.get(k);
      if (!first) {
        seen.set(k, col);
        continue;
      }
      if (first.kind === "flag" && col.kind === "flag") continue; // several steps may set one flag
      if (first.kind === "output" && col.kind === "output") continue; // duplicate-name reports these
      if (first.derived && col.derived) continue; // same step name: duplicate-name reports it
      const path = col.path ?? w.path;
      out.push(
        diag(
          "error",
          "column-collision",
          `${col.what} collides with ${first.what} in the state table${wfLabel(w)}`,
          ctx.source.locate(path, { key: col.key }),
          path,
          col.hint ?? "state-table columns must be unique (case-insensitive); rename one of them",
        ),
      );
    }
    // The stateless model's result row: its fixed columns, then one per output. The fixed columns the
    // state table has too are reported above.
    if (!modesOf(w).includes("stateless")) continue;
    const stateFixed = new Set<string>(RESERVED_STATE_COLUMNS);
    for (const col of columns) {
      const k = col.name.toLowerCase();
      if (col.kind !== "output" || stateFixed.has(k) || !RESERVED_RESULT_COLUMNS.includes(k)) continue;
      const path = col.path ?? w.path;
      out.push(
        diag(
          "error",
          "column-collision",
          `${col.what} collides with the column "${k}" of the stateless model's result${wfLabel(w)}`,
          ctx.source.locate(path, { key: col.key }),
          path,
          `rename the output; the result row also has the columns ${RESERVED_RESULT_COLUMNS.join(", ")}`,
        ),
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// table-collision

interface TableName {
  name: string;
  /** `state table "x" of workflow "w"` */
  what: string;
  path: PathSegment[];
  explicit: boolean;
  /** the key that sets it */
  setting: string;
}

/**
 * State and attempt-log tables must be distinct from each other, from every generated model and from gen's
 * own tables: they all live in one schema.
 */
export function tableCollision(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const wfs = workflowsOf(ctx.data);
  /** every relation gen creates besides the state tables: lower-cased name -> how to name it */
  const relations = new Map<string, string>();
  for (const r of ownRelationsOf(ctx.data)) relations.set(r.name, `gen's own table ${r.name} (${r.what})`);
  for (const w of wfs) {
    if (w.name === undefined) continue;
    for (const g of generatedNamesOf(w.name, modesOf(w))) {
      if (g.kind === "model" && !relations.has(g.name.toLowerCase()))
        relations.set(g.name.toLowerCase(), `the generated model ${g.name}`);
    }
  }
  const tables: TableName[] = [];
  for (const w of wfs) {
    const state = asObj(w.wf.state);
    const add = (key: "table" | "attempt_log_table", what: string, def: (n: string) => string) => {
      const explicit = asStr(state?.[key]);
      if (explicit !== undefined) {
        tables.push({
          name: explicit,
          what: `${what} "${explicit}"${wfLabel(w)}`,
          path: [...w.path, "state", key],
          explicit: true,
          setting: `state.${key}`,
        });
      } else if (w.name !== undefined) {
        tables.push({
          name: def(w.name),
          what: `${what} "${def(w.name)}"${wfLabel(w)}`,
          path: [...w.path, "name"],
          explicit: false,
          setting: `state.${key}`,
        });
      }
    };
    const firstOfWorkflow = tables.length;
    add("table", "state table", defaultStateTable);
    add("attempt_log_table", "attempt log table", defaultAttemptLogTable);
    if (state?.archive === true) {
      // the archive tables are named after the tables they archive: a collision is resolved by renaming those
      const archived = tables.slice(firstOfWorkflow);
      for (const t of archived) {
        const name = archiveTableOf(t.name);
        tables.push({
          name,
          what: `archive table "${name}"${wfLabel(w)}`,
          path: [...w.path, "state", "archive"],
          explicit: false,
          setting: t.setting,
        });
      }
    }
  }
  const seen = new Map<string, TableName>();
  for (const t of tables) {
    const k = t.name.toLowerCase();
    const defaultNote = t.explicit ? "" : `; "${t.name}" is the default, set ${t.setting} to change it`;
    const relation = relations.get(k);
    if (relation !== undefined) {
      out.push(
        diag(
          "error",
          "table-collision",
          `${t.what} has the name of ${relation}`,
          ctx.source.locate(t.path),
          t.path,
          `choose another table name${defaultNote}`,
        ),
      );
      continue;
    }
    const first = seen.get(k);
    if (!first) {
      seen.set(k, t);
      continue;
    }
    out.push(
      diag(
        "error",
        "table-collision",
        `${t.what} has the same name as ${first.what}`,
        ctx.source.locate(t.path),
        t.path,
        `every state and attempt log table needs its own name${defaultNote}`,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// name-collision

interface GeneratedBy {
  name: string;
  what: string;
  workflow: string;
}

/**
 * The models and macros gen generates from workflow names (names.ts) must be unique across the project
 * and must not take a name that gen's runtime or dbt itself uses: dbt refuses two models or two macros
 * of one name, and a project macro silently replaces dbt's macro of the same name. Case-insensitive, as
 * Snowflake and DuckDB are.
 */
export function nameCollision(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const features = featuresOf(ctx.data);
  const ownRelations = new Map(ownRelationsOf(ctx.data).map((r) => [r.name, r]));
  const seen = { model: new Map<string, GeneratedBy>(), macro: new Map<string, GeneratedBy>() };
  for (const w of workflowsOf(ctx.data)) {
    const workflow = w.name;
    if (workflow === undefined || identifierProblem(workflow)) continue; // invalid-identifier reports it
    const path = [...w.path, "name"];
    const report = (message: string, hint: string) =>
      out.push(diag("error", "name-collision", message, ctx.source.locate(path), path, hint));
    const folder = GEN_OWN_MODEL_FOLDERS.find(
      (f) => features.has(f.when) && f.name === workflow.toLowerCase(),
    );
    if (folder) {
      report(
        `workflow "${workflow}" would put its models into models/${folder.name}/, where gen writes ${folder.what}`,
        `rename the workflow; gen writes the models of each workflow to models/<workflow name>/`,
      );
    }
    for (const g of generatedNamesOf(workflow, modesOf(w))) {
      const k = g.name.toLowerCase();
      const generates = `workflow "${workflow}" generates the ${g.kind} ${g.name} (its ${g.what})`;
      const taken =
        g.kind === "macro"
          ? takenMacroName(g.name)
          : ownRelations.has(k)
            ? `gen's own table ${k} (${ownRelations.get(k)?.what})`
            : undefined;
      if (taken !== undefined) {
        report(
          `${generates}, which is the name of ${taken}`,
          g.kind === "macro"
            ? `rename the workflow: a macro of the project replaces the one of that name that dbt or gen relies on`
            : "rename the workflow",
        );
        continue;
      }
      const first = seen[g.kind].get(k);
      if (!first) {
        seen[g.kind].set(k, { name: g.name, what: g.what, workflow });
        continue;
      }
      if (first.workflow.toLowerCase() === workflow.toLowerCase()) continue; // duplicate-name reports it
      report(
        `${generates}, which workflow "${first.workflow}" also generates (its ${first.what})`,
        `rename one of the workflows: dbt needs every ${g.kind} name to be unique, regardless of case`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// base-url

/** JSON-quoted, with DEL and the C1 controls escaped too, so that no value moves the terminal. */
const quoted = (s: string) =>
  JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * base_url, once env defaults are substituted, must be an http(s) URL that every URL parser reads alike
 * (see url.ts): no credentials, no query or fragment, no wildcard or port 0, and no link-local or
 * unspecified IP address. Other IP literals than loopback get a warning.
 */
export function baseUrl(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, c] of Object.entries(asObj(ctx.data.connections) ?? {})) {
    const value = asStr(asObj(c)?.base_url);
    if (value === undefined) continue;
    const path: PathSegment[] = ["connections", name, "base_url"];
    const parsed = parseTemplate(value);
    if (parsed.errors.length > 0) continue; // reported by unknown-reference
    let url = "";
    let checkable = true;
    for (const [i, part] of parsed.parts.entries()) {
      if (part.kind === "text") {
        url += part.text;
        continue;
      }
      if (part.root !== "env") {
        checkable = false; // reported by unknown-reference
        continue;
      }
      if (part.default !== undefined) {
        url += part.default;
        continue;
      }
      out.push(
        diag(
          "warning",
          "base-url",
          `${part.raw} has no default; the run fails if ${part.path[0]} is unset`,
          ctx.source.locateInString(path, value, part.offset),
          path,
          i === 0
            ? `give a default for local runs: \${env.${part.path[0]}:-http://127.0.0.1:8787}`
            : `give a default for local runs: \${env.${part.path[0]}:-...}`,
        ),
      );
      if (i === 0) checkable = false;
      else url += "placeholder";
    }
    if (!checkable) continue;
    // a password in the URL must not reach the terminal or CI logs either
    const shown = quoted(withoutCredentials(value));
    const substituted =
      url !== value && !url.includes("placeholder")
        ? `; with the env defaults it reads ${quoted(withoutCredentials(url))}`
        : "";
    const parsedUrl = parseHttpUrl(url);
    const report = (severity: Diagnostic["severity"], message: string, hint: string) =>
      out.push(
        diag(severity, "base-url", `base_url ${shown} ${message}`, ctx.source.locate(path), path, hint),
      );
    if ("problem" in parsedUrl) {
      report("error", parsedUrl.problem.message, parsedUrl.problem.hint + substituted);
      continue;
    }
    const { host, addressClass } = parsedUrl.url;
    if (addressClass === "link-local") {
      report(
        "error",
        `points at the link-local address ${host}`,
        "link-local addresses serve cloud metadata (169.254.169.254 holds instance credentials); use the API's host name",
      );
    } else if (addressClass === "unspecified") {
      report(
        "error",
        `points at the unspecified address ${host}`,
        "0.0.0.0 and :: name no host to connect to; use the API's host name, or 127.0.0.1 for a local API",
      );
    } else if (addressClass === "other") {
      report(
        "warning",
        `uses the IP address ${host} instead of a host name`,
        "the network rule then allows that address and TLS cannot check a host name; use the API's host name",
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// literal-secret

/** Header names that carry credentials. */
const CREDENTIAL_HEADER = /^(proxy-)?authorization$|api[-_]?key|token|secret|passw(or)?d|cookie/i;

/** The auth field that holds the credential, by auth type. */
const SECRET_AUTH_FIELD = new Map([
  ["bearer", "token"],
  ["basic", "password"],
  ["header", "value"],
]);

/** `API_TOKEN` from `api` and `token`: a suggested secret name. */
const secretNameFor = (...parts: string[]) =>
  parts
    .join("_")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();

/**
 * A token, password or credential header written into the spec ends up in the generated project and in
 * version control; ${secret.NAME} is resolved only when the request is sent and is redacted from logs. A
 * value taken from an earlier step's response (a session token) is not written in the spec either.
 */
export function literalSecret(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (value: unknown, path: PathSegment[], what: string, secretName: string) => {
    if (typeof value !== "string" || value.trim() === "") return;
    const { parts, errors } = parseTemplate(value);
    if (errors.length > 0) return; // reported by unknown-reference
    if (parts.some((p) => p.kind === "ref" && (p.root === "secret" || p.root === "steps"))) return;
    out.push(
      diag(
        "warning",
        "literal-secret",
        `${what} is not a \${secret.NAME} reference`,
        ctx.source.locate(path),
        path,
        `keep credentials out of the spec: write "\${secret.${secretName}}" and set ${secretName} (a Snowflake SECRET in production); secrets are resolved only when the request is sent and are redacted from logs`,
      ),
    );
  };
  const checkHeaders = (headers: unknown, path: PathSegment[], owner: string, prefix: string) => {
    for (const [name, value] of Object.entries(asObj(headers) ?? {})) {
      if (CREDENTIAL_HEADER.test(name))
        check(value, [...path, name], `header "${name}" of ${owner}`, secretNameFor(prefix, name));
    }
  };
  for (const [name, c] of Object.entries(asObj(ctx.data.connections) ?? {})) {
    const conn = asObj(c);
    const path: PathSegment[] = ["connections", name];
    const owner = `connection "${name}"`;
    const auth = asObj(conn?.auth);
    const field = SECRET_AUTH_FIELD.get(String(auth?.type));
    if (auth && field !== undefined && own(auth, field)) {
      check(auth[field], [...path, "auth", field], `auth.${field} of ${owner}`, secretNameFor(name, field));
    }
    checkHeaders(conn?.headers, [...path, "headers"], owner, name);
  }
  for (const w of workflowsOf(ctx.data)) {
    for (const s of stepsOf(w)) {
      const owner = `step "${s.name ?? s.index + 1}"${w.name !== undefined ? ` in workflow "${w.name}"` : ""}`;
      checkHeaders(asObj(s.step.request)?.headers, [...s.path, "request", "headers"], owner, w.name ?? "api");
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// snowflake-target

/**
 * What profiles.yml must name for dbt Projects on Snowflake: "profiles.yml must specify warehouse, database,
 * schema and role" (https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-limitations).
 */
const SNOWFLAKE_REQUIRED = ["role", "warehouse", "database", "schema"] as const;

/** "a, b and c" */
function listed(items: readonly string[]): string {
  return items.length < 2
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The schema part of a Snowflake name, upper-cased: DB.SCHEMA for DB.SCHEMA.NAME, SCHEMA for SCHEMA.NAME. */
function schemaOf(name: string): string | undefined {
  const parts = name.toUpperCase().split(".");
  return parts.length > 1 ? parts.slice(0, -1).join(".") : undefined;
}

export function snowflakeTarget(ctx: RuleContext): Diagnostic[] {
  const project = asObj(ctx.data.project);
  if (!project) return [];
  const targets = ctx.targets ?? (own(project, "targets") ? asList(project.targets) : [...DEFAULT_TARGETS]);
  if (!targets.includes("snowflake")) return [];
  const out: Diagnostic[] = [];
  const sf = asObj(project.snowflake);
  const sfPath: PathSegment[] = sf ? ["project", "snowflake"] : ["project"];
  const sfLocation = ctx.source.locate(sfPath, { key: true });
  // the command line (gen build --target snowflake, gen deploy) asks for Snowflake: leaving it out is no answer
  const opted = ctx.targets ? "building for snowflake," : "targets include snowflake";
  const alternative = ctx.targets ? "" : ", or leave snowflake out of project.targets";

  const missing = SNOWFLAKE_REQUIRED.filter((key) => !own(sf, key));
  if (missing.length)
    out.push(
      diag(
        "error",
        "snowflake-target",
        `${opted} but project.snowflake does not set ${listed(missing)}`,
        sfLocation,
        sfPath,
        "dbt Projects on Snowflake runs the project with the role, warehouse, database and schema its " +
          "profiles.yml names: set them (e.g. role: DBT_RUNNER, warehouse: COMPUTE_WH, database: ANALYTICS, " +
          `schema: WORKFLOWS)${alternative}`,
      ),
    );

  // Serverless tasks cannot execute a dbt project object, and the task must live in the object's database and
  // schema (https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-schedule-project-execution).
  const tasks = asList(asObj(ctx.data.auto_restart)?.tasks);
  tasks.forEach((task, i) => {
    const t = asObj(task);
    if (!t || own(t, "warehouse") || own(sf, "warehouse")) return;
    const path: PathSegment[] = ["auto_restart", "tasks", i];
    const name = asStr(t.name);
    out.push(
      diag(
        "error",
        "snowflake-target",
        `task${name !== undefined ? ` "${name}"` : ""} has no warehouse: it would be a serverless task, which cannot run a dbt project`,
        ctx.source.locate(path),
        path,
        "set its warehouse, or project.snowflake.warehouse, the default of every task",
      ),
    );
  });
  const dbtObject = asStr(sf?.dbt_project_object);
  const database = asStr(sf?.database);
  const schema = asStr(sf?.schema);
  const objectSchema = schema?.includes(".") || !database ? schema : `${database}.${schema}`;
  const projectSchema = dbtObject !== undefined ? schemaOf(dbtObject) : undefined;
  if (tasks.length && projectSchema && objectSchema) {
    const upper = objectSchema.toUpperCase();
    const same = projectSchema.includes(".")
      ? projectSchema === upper
      : upper.split(".").pop() === projectSchema;
    if (!same) {
      const path: PathSegment[] = ["project", "snowflake", "dbt_project_object"];
      out.push(
        diag(
          "error",
          "snowflake-target",
          `the tasks of auto_restart are created in ${objectSchema}, but the dbt project object is in ${projectSchema}: ` +
            "a task runs a dbt project object only from the object's own database and schema",
          ctx.source.locate(path),
          path,
          `put the dbt project object in ${objectSchema}, or leave dbt_project_object out: gen then names it after the project there`,
        ),
      );
    }
  }

  // the integration is the HTTP procedure's: a spec without workflows (only auto_restart) calls no API
  if (asStr(sf?.external_access_integration) === undefined && own(ctx.data, "workflows")) {
    const path: PathSegment[] =
      own(project, "targets") && !ctx.targets ? ["project", "targets"] : ["project"];
    const name = asStr(project.name);
    out.push(
      diag(
        "warning",
        "snowflake-target",
        "targets include snowflake but project.snowflake.external_access_integration is not set",
        ctx.source.locate(path, { key: path.length === 1 }),
        path,
        name !== undefined
          ? `gen will use "${defaultExternalAccessIntegration(name)}"; set it to use an existing integration`
          : "set it to the integration that allows the API hosts",
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// nothing-to-do

/** A spec needs workflows or another block that builds something (auto_restart). */
export function nothingToDo(ctx: RuleContext): Diagnostic[] {
  if (own(ctx.data, "workflows") || own(ctx.data, "auto_restart")) return [];
  return [
    diag(
      "error",
      "nothing-to-do",
      "the spec has nothing to build: no workflows and no auto_restart",
      ctx.source.locate([]),
      [],
      "add workflows (and the connections they call), or an auto_restart block to add auto-restart to an " +
        "existing dbt project, e.g. auto_restart: { max_retries: 3, max_age_hours: 24 }",
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// sync-workflows

/**
 * sync.workflows names stateful workflows of the spec; a workflow's own `sync: true` does not contradict the
 * list, and `sync:` on a workflow means something only with a sync block.
 */
export function syncWorkflows(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sync = asObj(ctx.data.sync);
  const workflows = workflowsOf(ctx.data);
  const byName = new Map(workflows.filter((w) => w.name !== undefined).map((w) => [w.name as string, w]));
  const stateful = workflows.filter((w) => modesOf(w).includes("stateful") && w.name !== undefined);
  const listed = sync && Array.isArray(sync.workflows) ? sync.workflows : undefined;
  listed?.forEach((name, i) => {
    if (typeof name !== "string") return;
    const path: PathSegment[] = ["sync", "workflows", i];
    const w = byName.get(name);
    if (!w)
      out.push(
        diag(
          "error",
          "unknown-workflow",
          `sync.workflows names "${name}", which is not a workflow of this spec`,
          ctx.source.locate(path),
          path,
          didYouMean(name, byName.keys()) ??
            `stateful workflows: ${stateful.map((x) => x.name).join(", ") || "none"}`,
        ),
      );
    else if (!modesOf(w).includes("stateful"))
      out.push(
        diag(
          "error",
          "sync-stateless-workflow",
          `sync.workflows names "${name}", which has no stateful mode: only stateful executions are queued`,
          ctx.source.locate(path),
          path,
          `add stateful to its modes, or remove "${name}" from sync.workflows`,
        ),
      );
  });
  for (const w of workflows) {
    if (!own(w.wf, "sync")) continue;
    const path = [...w.path, "sync"];
    if (!sync)
      out.push(
        diag(
          "warning",
          "sync-without-block",
          `sync${wfLabel(w)} has no effect: the spec has no sync block`,
          ctx.source.locate(path, { key: true }),
          path,
          "add a sync block (sync: { schema: DATABASE.SCHEMA }) to queue executions for gen sync",
        ),
      );
    else if (w.wf.sync === true && listed && w.name !== undefined && !listed.includes(w.name))
      out.push(
        diag(
          "error",
          "sync-contradiction",
          `workflow "${w.name}" says sync: true, but sync.workflows does not list it`,
          ctx.source.locate(path, { key: true }),
          path,
          `add "${w.name}" to sync.workflows, or remove its sync: true`,
        ),
      );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// for-each-stateless

/** A for_each workflow keeps its rows in the state table: it has no stateless model. */
export function forEachStateless(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const w of workflowsOf(ctx.data)) {
    if (!own(w.wf, "for_each") || !modesOf(w).includes("stateless")) continue;
    const path = [...w.path, "modes"];
    out.push(
      diag(
        "error",
        "for-each-stateless",
        `a workflow with for_each runs stateful only, but the modes${wfLabel(w)} include stateless`,
        ctx.source.locate(path),
        path,
        "write modes: [stateful], or leave modes out",
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// alerts-settings

/**
 * The Snowflake alert sends through a notification integration the spec names: on a Snowflake target the
 * alerts block must name one. An alerts block with nothing to watch (no stateful workflow, no auto_restart,
 * no sync) generates nothing and is a mistake.
 */
export function alertsSettings(ctx: RuleContext): Diagnostic[] {
  const alerts = asObj(ctx.data.alerts);
  if (!alerts) return [];
  const out: Diagnostic[] = [];
  const location = ctx.source.locate(["alerts"], { key: true });
  const project = asObj(ctx.data.project);
  const targets = ctx.targets ?? (own(project, "targets") ? asList(project?.targets) : [...DEFAULT_TARGETS]);
  if (targets.includes("snowflake") && !own(alerts, "notification_integration"))
    out.push(
      diag(
        "error",
        "alerts-settings",
        "the project targets snowflake, but alerts does not set notification_integration",
        location,
        ["alerts"],
        "name the notification integration the Snowflake alert sends with, e.g. notification_integration: " +
          "OPS_EMAIL (CREATE NOTIFICATION INTEGRATION OPS_EMAIL TYPE=EMAIL ENABLED=TRUE ...)",
      ),
    );
  const stateful = workflowsOf(ctx.data).some((w) => modesOf(w).includes("stateful"));
  if (!stateful && !own(ctx.data, "auto_restart") && !own(ctx.data, "sync"))
    out.push(
      diag(
        "warning",
        "alerts-settings",
        "alerts has nothing to watch: no stateful workflow, no auto_restart and no sync block",
        location,
        ["alerts"],
        "alerts report failed and stuck executions of stateful workflows, exhausted auto-restarts and failed " +
          "syncs; remove the alerts block, or add stateful to a workflow's modes",
      ),
    );
  return out;
}

/** All rules, in the order they run. */
export const RULES: readonly Rule[] = [
  nothingToDo,
  duplicateName,
  invalidIdentifier,
  unknownConnection,
  unknownReference,
  invalidCondition,
  invalidJsonPath,
  pollStatusLists,
  columnCollision,
  tableCollision,
  nameCollision,
  baseUrl,
  literalSecret,
  snowflakeTarget,
  syncWorkflows,
  forEachStateless,
  alertsSettings,
];

export function runRules(ctx: RuleContext): Diagnostic[] {
  return RULES.flatMap((rule) => rule(ctx));
}
