import type nunjucks from "nunjucks";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plan, WorkflowPlan } from "../plan/index.ts";
import { isPrintableName } from "../plan/validated.ts";
import * as escape from "../util/escape.ts";
import { withHeader } from "./header.ts";

export interface FileOutput {
  path: string;
  content: string;
  /** the workflow the file belongs to, for per-workflow ownership (watch removes exactly these) */
  workflow?: string;
}

export const TEMPLATE_DIR = fileURLToPath(new URL("../../dbt_project_template/", import.meta.url));

/** gen's runtime: fixed macros and plugins, copied into every generated project as they are. */
export const RUNTIME_DIR = fileURLToPath(new URL("../../runtime/", import.meta.url));

/** Folders of runtime/ that are not part of generated projects (the runtime's own dbt test project). */
const RUNTIME_OWN = new Set(["integration_tests"]);

/** Paths of the files under `dir`, relative to it, `/`-separated, sorted; `skip`: top-level folders left out. */
function listFiles(dir: string, skip: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "__pycache__" && !(d === dir && skip.has(entry.name))) walk(full);
      } else if (!entry.name.endsWith(".pyc")) out.push(relative(dir, full).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/** Template paths relative to dbt_project_template/. */
export function listTemplates(dir: string = TEMPLATE_DIR): string[] {
  return listFiles(dir);
}

/** The runtime's files that generated projects get, relative to runtime/. */
export function listRuntime(dir: string = RUNTIME_DIR): string[] {
  return listFiles(dir, RUNTIME_OWN);
}

interface NunjucksRuntime {
  SafeString: new (value: string) => object;
  suppressValue(value: unknown, autoescape: unknown): unknown;
}

interface NunjucksInternals {
  compiler: {
    compile(src: string, asyncFilters: unknown, extensions: unknown, name: string, opts: unknown): string;
  };
  runtime: NunjucksRuntime;
}

interface Nunjucks extends NunjucksInternals {
  Environment: typeof nunjucks.Environment;
  /** The runtime the templates run with: nunjucks' own, with `printable` deciding what may be output. */
  strictRuntime: NunjucksRuntime;
}

let loaded: Nunjucks | undefined;

/** nunjucks, loaded on the first render: a command that renders nothing (gen sync --status) skips its start. */
function nunjucksLib(): Nunjucks {
  if (loaded) return loaded;
  const lib = createRequire(import.meta.url)("nunjucks") as typeof nunjucks & NunjucksInternals;
  const strictRuntime: NunjucksRuntime = Object.assign(Object.create(lib.runtime) as NunjucksRuntime, {
    suppressValue: (value: unknown) => printable(value),
  });
  return (loaded = {
    Environment: lib.Environment,
    compiler: lib.compiler,
    runtime: lib.runtime,
    strictRuntime,
  });
}

/** Output of an escaping filter: text already in the form of its context, printed as it is. */
function escaped(text: string): object {
  return new (nunjucksLib().runtime.SafeString)(text);
}

/** A filter's input as a plain value (a SafeString from an earlier filter is an object, not a string). */
function plain<T>(value: T): T | string {
  return isSafeString(value) ? String(value) : value;
}

/** Whether `value` is the output of an escaping filter (none exists before nunjucks is loaded). */
function isSafeString(value: unknown): boolean {
  return loaded !== undefined && value instanceof loaded.runtime.SafeString;
}

/** An escaping function as a filter: plain input, SafeString output. */
function escaping<A extends unknown[]>(fn: (value: never, ...args: A) => string) {
  return (value: unknown, ...args: A) => escaped(fn(plain(value) as never, ...args));
}

const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;

/**
 * What `<< expr >>` may print. Escaping is not left to each template: a value that is neither the output
 * of an escaping filter (a SafeString), nor a number or boolean, nor a string in a validated name form
 * (plan/validated.ts: identifiers and Snowflake names, and gen's version) fails the render. So free text
 * (a description, a status, a schedule, a host, the result of `+` on strings) can only reach a file through
 * the filter of that file's context.
 */
export function printable(value: unknown): unknown {
  if (isSafeString(value)) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "string" && (value === "" || isPrintableName(value) || VERSION.test(value)))
    return value;
  const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 60)) : typeof value;
  throw new Error(
    `internal: a template prints ${shown} without an escaping filter (use the filter of the file's context)`,
  );
}

type CompiledTemplate = { root: (...args: unknown[]) => unknown } & Record<string, unknown>;

/** A compiled template (nunjucks' `{ root, b_<block>... }`) whose render runs with strictRuntime. */
function strict(compiled: CompiledTemplate): CompiledTemplate {
  const root = compiled.root;
  const { strictRuntime } = nunjucksLib();
  return {
    ...compiled,
    root: (env: unknown, context: unknown, frame: unknown, _runtime: unknown, cb: unknown) =>
      root(env, context, frame, strictRuntime, cb),
  };
}

/** Environment options that compiled templates depend on (part of the compile cache key). */
const OPTIONS = {
  // Every output goes through suppressValue, which strictRuntime replaces; nunjucks' HTML escaping never runs.
  autoescape: true,
  throwOnUndefined: true,
  trimBlocks: true,
  lstripBlocks: true,
  tags: {
    blockStart: "<%",
    blockEnd: "%>",
    variableStart: "<<",
    variableEnd: ">>",
    commentStart: "<#",
    commentEnd: "#>",
  },
};

/** Nunjucks filters that would print text outside any escaping context: refused. */
const REFUSED_FILTERS = ["safe", "escape", "e", "forceescape"];

/** A runtime file as a template that outputs its text unchanged (for `<% include %>` from a template). */
function verbatim(text: string): CompiledTemplate {
  return {
    root: (_env: unknown, _ctx: unknown, _frame: unknown, _rt: unknown, cb: unknown) => {
      (cb as (err: null, out: string) => void)(null, text);
    },
  };
}

/**
 * Nunjucks with delimiters that cannot collide with dbt Jinja: `<< >>`, `<% %>` and `<# #>`.
 * `{{ }}` and `{% %}` in templates pass through literally to dbt. Every template is compiled here (from the
 * on-disk cache or on first use) and runs with strictRuntime: see `printable`. A name that is not a template
 * but a file of the runtime (`<% include "plugins/gen_http_core.py" %>`) is its text, never rendered.
 */
export function createEnvironment(
  dir: string = TEMPLATE_DIR,
  runtimeDir: string = RUNTIME_DIR,
): nunjucks.Environment {
  const compiled = new Map<string, CompiledTemplate>();
  const loader = {
    getSource(name: string) {
      let obj = compiled.get(name);
      let path = join(dir, name);
      if (!obj) {
        if (existsSync(path)) obj = strict(compileTemplate(env, name, readFileSync(path, "utf8")));
        else if (existsSync((path = join(runtimeDir, name)))) obj = verbatim(runtimeText(env, name));
        else return null as unknown as nunjucks.LoaderSource;
        compiled.set(name, obj);
      }
      return {
        src: { type: "code", obj },
        path,
        noCache: false,
      } as unknown as nunjucks.LoaderSource;
    },
  };
  const env = new (nunjucksLib().Environment)([loader as unknown as nunjucks.ILoader], OPTIONS);
  env.addFilter("jinja_str", escaping(escape.jinjaString));
  env.addFilter(
    "jinja_literal",
    escaping((v: unknown, indent?: number) => escape.jinjaLiteral(v, indent ?? 0)),
  );
  env.addFilter(
    "jinja_str_list",
    escaping((items: string[]) => "[" + items.map(escape.jinjaString).join(", ") + "]"),
  );
  env.addFilter("sql_str", escaping(escape.sqlString));
  env.addFilter("sf_str", escaping(escape.snowflakeString));
  env.addFilter("sql_comment", escaping(escape.sqlComment));
  env.addFilter("ident", escaping(escape.sqlIdentifier));
  env.addFilter("py_str", escaping(escape.pythonString));
  env.addFilter("dollar_body", escaping(escape.dollarBody));
  env.addFilter("yaml_jinja", escaping(escape.yamlJinjaString));
  env.addFilter("yaml_str", escaping(escape.yamlString));
  env.addFilter(
    "yaml_jinja_list",
    escaping((items: string[]) => "[" + items.map(escape.yamlJinjaString).join(", ") + "]"),
  );
  env.addFilter("md", escaping(escape.markdownText));
  env.addFilter("mermaid", escaping(escape.mermaidText));
  env.addFilter("mermaid_line", escaping(escape.mermaidLine));
  env.addFilter(
    "upper_ident",
    escaping((s: string) => escape.sqlIdentifier(s).toUpperCase()),
  );
  for (const name of REFUSED_FILTERS)
    env.addFilter(name, () => {
      throw new Error(`internal: the nunjucks filter "${name}" is not used by gen templates`);
    });
  // A profile value read from an env var with a spec-given default, as a YAML scalar that dbt renders.
  env.addGlobal("env_var_yaml", (name: string, fallback: string | null) =>
    escaped(
      escape.yamlString(
        `{{ env_var('${escape.sqlIdentifier(plain(name))}', ${escape.jinjaString(plain(fallback) ?? "")}) }}`,
      ),
    ),
  );
  precompile(env, dir, compiled);
  templateDirs.set(env, dir);
  runtimeFiles.set(env, { dir: runtimeDir, text: new Map() });
  return env;
}

/** the runtime directory of each environment, and the runtime files it has read (once, like templates) */
const runtimeFiles = new WeakMap<nunjucks.Environment, { dir: string; text: Map<string, string> }>();

/** The text of a runtime file (relative to runtime/), read once per environment. */
function runtimeText(env: nunjucks.Environment, from: string): string {
  const files = runtimeFiles.get(env) ?? { dir: RUNTIME_DIR, text: new Map<string, string>() };
  let text = files.text.get(from);
  if (text === undefined) files.text.set(from, (text = readFileSync(join(files.dir, from), "utf8")));
  return text;
}

/** Compiles one template to its nunjucks code object; an error names the template. */
function compileTemplate(env: nunjucks.Environment, name: string, src: string): CompiledTemplate {
  const e = env as unknown as { opts: unknown; asyncFilters: unknown; extensionsList: unknown };
  try {
    const js = nunjucksLib().compiler.compile(src, e.asyncFilters, e.extensionsList, name, e.opts);
    return new Function(js)() as CompiledTemplate;
  } catch (err) {
    throw new Error(`template ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** the template directory of each environment made by createEnvironment (for RenderCache) */
const templateDirs = new WeakMap<nunjucks.Environment, string>();

/** Where compiled templates are cached between processes (compiling them all takes ~50 ms, loading ~5). */
const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/gen/", import.meta.url));

/**
 * Compiles every template to JavaScript once and caches the code on disk, keyed by the nunjucks version,
 * the environment options and the text of every template: a changed template is a new key. Any problem with
 * the cache only costs the compile time; output is the same either way.
 */
function precompile(env: nunjucks.Environment, dir: string, into: Map<string, CompiledTemplate>): void {
  if (process.env.GEN_TEMPLATE_CACHE === "0") return;
  const e = env as unknown as { opts: unknown; asyncFilters: unknown; extensionsList: unknown };
  const require = createRequire(import.meta.url);
  const { version } = require("nunjucks/package.json") as { version: string };
  const sources = listTemplates(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")] as const);
  const hash = createHash("sha256")
    .update(JSON.stringify([version, e.opts, sources]))
    .digest("hex");
  const cacheFile = join(CACHE_DIR, `templates-${hash.slice(0, 32)}.json`);
  let code: Record<string, string> | undefined;
  try {
    code = JSON.parse(readFileSync(cacheFile, "utf8")) as Record<string, string>;
  } catch {
    code = undefined;
  }
  if (!code || sources.some(([name]) => typeof code?.[name] !== "string")) {
    code = {};
    for (const [name, src] of sources) {
      try {
        code[name] = nunjucksLib().compiler.compile(src, e.asyncFilters, e.extensionsList, name, e.opts);
      } catch {
        // compiled again when it is used, which reports the error with the template's name
      }
    }
    try {
      mkdirSync(CACHE_DIR, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(code));
      renameSync(tmp, cacheFile);
      pruneCache(cacheFile);
    } catch {
      // read-only installation: compile in every process
    }
  }
  for (const [name, js] of Object.entries(code))
    into.set(name, strict(new Function(js)() as CompiledTemplate));
}

/** Keeps the cache small: every template edit makes a new key, only the most recent few are kept. */
function pruneCache(keep: string): void {
  const entries = readdirSync(CACHE_DIR)
    .filter((n) => /^templates-[0-9a-f]+\.json$/.test(n))
    .map((n) => ({ path: join(CACHE_DIR, n), mtime: statSync(join(CACHE_DIR, n)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const e of entries.slice(8)) if (e.path !== keep) rmSync(e.path, { force: true });
}

let sharedEnv: nunjucks.Environment | undefined;

/**
 * Rendered files kept between renders of successive versions of one spec (gen watch): a file is rendered
 * again only when something its template can read has changed: the project, the file's own entry, its
 * workflow, and every workflow for a template that reads `workflows` or includes other templates.
 */
export class RenderCache {
  private readonly files = new Map<string, { key: string; content: string }>();
  private readonly global = new Map<string, boolean>();
  hits = 0;
  misses = 0;

  get(path: string, key: string): string | undefined {
    const hit = this.files.get(path);
    if (hit && hit.key === key) {
      this.hits++;
      return hit.content;
    }
    this.misses++;
    return undefined;
  }

  set(path: string, key: string, content: string): void {
    this.files.set(path, { key, content });
  }

  /** Drops the entries of files that were not part of the last render. */
  retain(paths: Set<string>): void {
    for (const p of this.files.keys()) if (!paths.has(p)) this.files.delete(p);
  }

  /** Does the template read every workflow (or include another template)? Unknown directory: assume so. */
  readsAll(env: nunjucks.Environment, template: string): boolean {
    let r = this.global.get(template);
    if (r === undefined) {
      const dir = templateDirs.get(env);
      try {
        const src = dir ? readFileSync(join(dir, template), "utf8") : "";
        r = !dir || /\bworkflows\b/.test(src) || /<%-?\s*(include|import|from|extends)\b/.test(src);
      } catch {
        r = true;
      }
      this.global.set(template, r);
    }
    return r;
  }
}

/** A digest of the plan's plain data (its types hold no Map, Set or function, which JSON would drop). */
function digest(value: unknown): string {
  return createHash("sha1")
    .update(JSON.stringify(value) ?? "undefined")
    .digest("base64");
}

/** Plan -> files. Pure apart from reading the (immutable) templates. With a cache, see RenderCache. */
export function render(
  plan: Plan,
  env: nunjucks.Environment = (sharedEnv ??= createEnvironment()),
  cache?: RenderCache,
): FileOutput[] {
  const byName = new Map<string, WorkflowPlan>(plan.workflows.map((w) => [w.name, w]));
  const base = {
    project: plan.project,
    workflows: plan.workflows,
    // dispatch namespace of the adapter.dispatch calls in templates: the generated project's own name
    ns: escaped(escape.jinjaString(plan.project.name)),
  };
  const templates = new Map<string, nunjucks.Template>();
  // cache keys: digests of the project and of each workflow; "all" stands for every workflow
  let keys: { project: string; all: string; wf: Map<string, string> } | undefined;
  if (cache) {
    const wfKeys = new Map(plan.workflows.map((w) => [w.name, digest(w)]));
    keys = { project: digest(plan.project), all: digest([...wfKeys.values()]), wf: wfKeys };
  }
  const keyOf = (file: Plan["files"][number], wf: WorkflowPlan | undefined): string | undefined => {
    if (!cache || !keys) return undefined;
    const all = cache.readsAll(env, file.from) ? keys.all : "";
    return `${keys.project}|${JSON.stringify(file)}|${wf ? keys.wf.get(wf.name) : ""}|${all}`;
  };
  const output = (file: Plan["files"][number], content: string): FileOutput => ({
    path: file.path,
    content,
    ...(file.workflow ? { workflow: file.workflow } : {}),
  });
  const files = plan.files.map((file) => {
    const wf = file.workflow ? byName.get(file.workflow) : undefined;
    if (file.source === "runtime") return output(file, normalise(runtimeText(env, file.from)));
    const key = keyOf(file, wf);
    let content = key === undefined ? undefined : cache?.get(file.path, key);
    if (content === undefined) {
      let template = templates.get(file.from);
      if (!template) templates.set(file.from, (template = env.getTemplate(file.from, true)));
      content = normalise(template.render({ ...base, wf, file }));
      if (key !== undefined) cache?.set(file.path, key, content);
    }
    return output(file, content);
  });
  cache?.retain(new Set(plan.files.map((f) => f.path)));
  return withHeaders(files, plan.project);
}

/** Every file with the generated header (header.ts) as its first line: the one place headers are added. */
function withHeaders(files: FileOutput[], project: Plan["project"]): FileOutput[] {
  return files.map((f) => ({ ...f, content: withHeader(f.path, f.content, project) }));
}

/**
 * Exactly one trailing newline. Nothing else is rewritten: the templates produce clean lines themselves
 * (trimBlocks/lstripBlocks), and files such as plugins/gen_http_core.py, embedded verbatim in the
 * Snowflake procedure too, must come out byte for byte (collapsing blank lines would also change Python
 * string literals).
 */
export function normalise(content: string): string {
  return content.trimEnd() + "\n";
}
