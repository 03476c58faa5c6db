import nunjucks from "nunjucks";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plan, WorkflowPlan } from "../plan/index.ts";
import * as escape from "./escape.ts";

export interface FileOutput {
  path: string;
  content: string;
  /** the workflow the file belongs to, for per-workflow ownership (watch removes exactly these) */
  workflow?: string;
}

export const TEMPLATE_DIR = fileURLToPath(new URL("../../dbt_project_template/", import.meta.url));

/** Template paths relative to dbt_project_template/, `/`-separated. Read once per process. */
export function listTemplates(dir: string = TEMPLATE_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "__pycache__") walk(full);
      } else if (!entry.name.endsWith(".pyc")) out.push(relative(dir, full).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Nunjucks with delimiters that cannot collide with dbt Jinja: `<< >>`, `<% %>` and `<# #>`.
 * `{{ }}` and `{% %}` in templates pass through literally to dbt.
 */
export function createEnvironment(dir: string = TEMPLATE_DIR): nunjucks.Environment {
  // Templates compiled to JavaScript come first (see precompile); the file-system loader is the fallback.
  const precompiled: nunjucks.ILoader & { compiled: Map<string, unknown> } = {
    compiled: new Map(),
    getSource(name: string) {
      const obj = this.compiled.get(name);
      return obj
        ? ({
            src: { type: "code", obj },
            path: join(dir, name),
            noCache: false,
          } as unknown as nunjucks.LoaderSource)
        : (null as unknown as nunjucks.LoaderSource);
    },
  };
  const env = new nunjucks.Environment(
    [precompiled, new nunjucks.FileSystemLoader(dir, { noCache: false })],
    {
      autoescape: false,
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
    },
  );
  env.addFilter("jinja_str", escape.jinjaString);
  env.addFilter("jinja_literal", (v: unknown, indent?: number) => escape.jinjaLiteral(v, indent ?? 0));
  env.addFilter("sql_str", escape.sqlString);
  env.addFilter("sf_str", escape.snowflakeString);
  env.addFilter("ident", escape.sqlIdentifier);
  env.addFilter("py_str", escape.pythonString);
  env.addFilter("dollar_body", escape.dollarBody);
  env.addFilter("yaml_jinja", escape.yamlJinjaString);
  env.addFilter("yaml_str", escape.yamlString);
  env.addFilter(
    "yaml_jinja_list",
    (items: string[]) => "[" + items.map(escape.yamlJinjaString).join(", ") + "]",
  );
  env.addFilter("md", escape.markdownText);
  env.addFilter("mermaid", escape.mermaidText);
  env.addFilter("upper_ident", (s: string) => escape.sqlIdentifier(s).toUpperCase());
  // A profile value read from an env var with a spec-given default, as a YAML scalar that dbt renders.
  env.addGlobal("env_var_yaml", (name: string, fallback: string | null) =>
    escape.yamlString(
      `{{ env_var('${escape.sqlIdentifier(name)}', ${escape.jinjaString(fallback ?? "")}) }}`,
    ),
  );
  precompile(env, dir, precompiled.compiled);
  return env;
}

/** Where compiled templates are cached between processes (compiling them all takes ~50 ms, loading ~5). */
const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/gen/", import.meta.url));

interface NunjucksInternals {
  compiler: {
    compile(src: string, asyncFilters: unknown, extensions: unknown, name: string, opts: unknown): string;
  };
}

/**
 * Compiles every template to JavaScript once and caches the code on disk, keyed by the nunjucks version,
 * the environment options and the text of every template: a changed template is a new key. Any problem with
 * the cache only costs the compile time; output is the same either way.
 */
function precompile(env: nunjucks.Environment, dir: string, into: Map<string, unknown>): void {
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
    const { compiler } = nunjucks as unknown as NunjucksInternals;
    code = {};
    for (const [name, src] of sources) {
      try {
        code[name] = compiler.compile(src, e.asyncFilters, e.extensionsList, name, e.opts);
      } catch {
        // left to the file-system loader, which reports the error with the template's path when it is used
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
  for (const [name, js] of Object.entries(code)) into.set(name, new Function(js)());
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

/** Plan -> files. Pure apart from reading the (immutable) templates. */
export function render(
  plan: Plan,
  env: nunjucks.Environment = (sharedEnv ??= createEnvironment()),
): FileOutput[] {
  const byName = new Map<string, WorkflowPlan>(plan.workflows.map((w) => [w.name, w]));
  const base = {
    project: plan.project,
    workflows: plan.workflows,
    // dispatch namespace of every adapter.dispatch call: the generated project's own name
    ns: escape.jinjaString(plan.project.name),
  };
  const templates = new Map<string, nunjucks.Template>();
  return plan.files.map((file) => {
    const wf = file.workflow ? byName.get(file.workflow) : undefined;
    let template = templates.get(file.template);
    if (!template) templates.set(file.template, (template = env.getTemplate(file.template, true)));
    const content = template.render({ ...base, wf, file });
    return {
      path: file.path,
      content: normalise(content),
      ...(file.workflow ? { workflow: file.workflow } : {}),
    };
  });
}

/**
 * One trailing newline, no trailing spaces: stable output for golden files and diffs. Same result as
 * `.replace(/[ \t]+$/gm, "").replace(/\n{3,}/g, "\n\n").replace(/\s*$/, "\n")`, in linear time (those
 * regular expressions backtrack over every run of indentation and took half of the render time).
 */
export function normalise(content: string): string {
  let s = content;
  if (/[\r\u2028\u2029]/.test(s)) {
    // rare: other line terminators; a look-behind makes each run of blanks a single match attempt
    s = s.replace(/(?<![ \t])[ \t]+$/gm, "");
  } else {
    let out = "";
    let last = 0;
    for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) {
      let j = i;
      while (j > last) {
        const c = s.charCodeAt(j - 1);
        if (c !== 32 && c !== 9) break;
        j--;
      }
      if (j < i) {
        out += s.slice(last, j);
        last = i;
      }
    }
    if (last > 0) s = out + s.slice(last);
  }
  // \s and trimEnd() strip the same characters (WhiteSpace and LineTerminator)
  return s.replace(/\n\n\n+/g, "\n\n").trimEnd() + "\n";
}
