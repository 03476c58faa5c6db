// Each cache gen keeps must notice the change that makes its content stale. (The render cache of gen watch over
// real specs: test/watch/render-cache.test.ts; the write memo: test/unit/write-memo.test.ts.)
import { execa } from "execa";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan } from "../../generator/plan/index.ts";
import { createEnvironment, render, RenderCache } from "../../generator/render/index.ts";
import { parseSpec } from "../../generator/spec/index.ts";

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the compiled templates cached on disk", () => {
  it("are compiled again when a template's text changes (same size, same mtime)", () => {
    const dir = tempDir("gen-templates-");
    const path = join(dir, "t.sql");
    const stamp = `${process.pid} ${Date.now()}`; // a template text no earlier run has cached
    writeFileSync(path, `select << n >> as a -- ${stamp}\n`);
    const first = createEnvironment(dir).getTemplate("t.sql").render({ n: 1 });
    expect(first).toMatch(/^select 1 as a/);
    writeFileSync(path, `select << n >> as b -- ${stamp}\n`);
    utimesSync(path, new Date(0), new Date(0));
    const second = createEnvironment(dir).getTemplate("t.sql").render({ n: 1 });
    expect(second).toMatch(/^select 1 as b/);
  });
});

describe("the runtime files (runtime/, copied into every project, included by templates)", () => {
  /** A template directory whose template includes a runtime file, and a runtime directory. */
  function dirs() {
    const templates = tempDir("gen-templates-");
    const runtime = tempDir("gen-runtime-");
    mkdirSync(join(runtime, "plugins"));
    writeFileSync(join(templates, "t.sql"), '-- << n >>\n<% include "plugins/core.py" %>\n');
    return { templates, runtime, core: join(runtime, "plugins", "core.py") };
  }

  it("are read again by a new environment when their text changes (same size, same mtime)", () => {
    const { templates, runtime, core } = dirs();
    const stamp = `${process.pid} ${Date.now()}`;
    writeFileSync(core, `A = 1  # ${stamp} << not a tag >>\n`);
    const first = createEnvironment(templates, runtime).getTemplate("t.sql").render({ n: 1 });
    // included as it is: its text is never rendered as a template
    expect(first).toBe(`-- 1\nA = 1  # ${stamp} << not a tag >>\n`);
    writeFileSync(core, `B = 2  # ${stamp} << not a tag >>\n`);
    utimesSync(core, new Date(0), new Date(0));
    const second = createEnvironment(templates, runtime).getTemplate("t.sql").render({ n: 1 });
    expect(second).toBe(`-- 1\nB = 2  # ${stamp} << not a tag >>\n`);
  });

  it("are copied into a generated project from runtime/ as they are when it is rendered", () => {
    const { spec } = parseSpec(readFileSync("specs/policy.yaml", "utf8"), "policy.yaml");
    const plan = buildPlan(spec!);
    const file = plan.files.find((f) => f.path === "macros/gen/runtime/gen_jsonpath.sql")!;
    expect(file).toMatchObject({ source: "runtime", from: "macros/runtime/gen_jsonpath.sql" });
    const { templates, runtime } = dirs();
    mkdirSync(join(runtime, "macros", "runtime"), { recursive: true });
    const path = join(runtime, "macros", "runtime", "gen_jsonpath.sql");
    const onlyRuntime = { ...plan, files: [file] };
    writeFileSync(path, "{% macro gen_jsonpath() %}one{% endmacro %}\n");
    const [before] = render(onlyRuntime, createEnvironment(templates, runtime));
    writeFileSync(path, "{% macro gen_jsonpath() %}two{% endmacro %}\n");
    utimesSync(path, new Date(0), new Date(0));
    const [after] = render(onlyRuntime, createEnvironment(templates, runtime));
    expect(before?.content).toContain("}one{");
    expect(after?.content).toContain("}two{");
  });
});

describe("the render cache of gen watch", () => {
  it("renders a project file again when another workflow changes, if it includes a template that reads them", () => {
    const templates = tempDir("gen-templates-");
    const stamp = `${process.pid} ${Date.now()}`;
    // the project file names no workflow itself: only the template it includes does
    writeFileSync(join(templates, "project.sql"), `-- ${stamp}\n<% include "part.sql" %>\n`);
    writeFileSync(join(templates, "part.sql"), "<% for w in workflows %><< w.name >> <% endfor %>\n");
    const env = createEnvironment(templates, tempDir("gen-runtime-"));
    const { spec } = parseSpec(readFileSync("specs/policy.yaml", "utf8"), "policy.yaml");
    const plan = buildPlan(spec!);
    const only = (workflows: typeof plan.workflows) => ({
      ...plan,
      workflows,
      files: [{ path: "project.sql", source: "template" as const, from: "project.sql" }],
    });
    const wf = plan.workflows[0]!;
    const cache = new RenderCache();
    const [before] = render(only([wf]), env, cache);
    const [after] = render(only([{ ...wf, name: "renamed" as typeof wf.name }]), env, cache);
    expect(before?.content).toContain(`\n${wf.name}\n`);
    expect(after?.content).toContain("\nrenamed\n");
    expect(cache.misses).toBe(2);
  });
});

describe("bin/gen.js", () => {
  /** A copy of the launcher next to a stand-in bundle and stand-in sources, each saying which it is. */
  function launcherTree(): { root: string; run: () => Promise<string> } {
    const root = tempDir("gen-launcher-");
    mkdirSync(join(root, "bin"));
    cpSync(resolve("bin/gen.js"), join(root, "bin", "gen.js"));
    symlinkSync(resolve("node_modules"), join(root, "node_modules"));
    writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');
    mkdirSync(join(root, "generator", "spec"), { recursive: true });
    writeFileSync(
      join(root, "generator", "cli.ts"),
      'export async function main(): Promise<number> {\n  process.stdout.write("sources");\n  return 0;\n}\n',
    );
    writeFileSync(join(root, "generator", "spec", "load.ts"), "export const x: number = 1;\n");
    mkdirSync(join(root, "dist", "bundle"), { recursive: true });
    writeFileSync(
      join(root, "dist", "bundle", "gen.mjs"),
      'export async function main() { process.stdout.write("bundle"); return 0; }\n',
    );
    const env = { ...process.env };
    delete env.GEN_NO_BUNDLE;
    return {
      root,
      run: async () => (await execa("node", [join(root, "bin", "gen.js")], { env, extendEnv: false })).stdout,
    };
  }

  it("runs the bundle while it is newer than every source, and the sources once one is newer", async () => {
    const { root, run } = launcherTree();
    const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));
    for (const f of ["generator/cli.ts", "generator/spec/load.ts"]) utimesSync(join(root, f), at(0), at(0));
    utimesSync(join(root, "dist/bundle/gen.mjs"), at(10), at(10));
    expect(await run()).toBe("bundle");
    // a source in a subdirectory, edited after the bundle was made
    utimesSync(join(root, "generator/spec/load.ts"), at(20), at(20));
    expect(await run()).toBe("sources");
  });
});
