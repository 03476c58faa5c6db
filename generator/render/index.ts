import nunjucks from "nunjucks";
import { readdirSync } from "node:fs";
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
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir, { noCache: false }), {
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
  });
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
  return env;
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
  return plan.files.map((file) => {
    const wf = file.workflow ? byName.get(file.workflow) : undefined;
    const content = env.render(file.template, { ...base, wf, file });
    return {
      path: file.path,
      content: normalise(content),
      ...(file.workflow ? { workflow: file.workflow } : {}),
    };
  });
}

/** One trailing newline, no trailing spaces: stable output for golden files and diffs. */
function normalise(content: string): string {
  return content
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/\s*$/, "\n");
}
