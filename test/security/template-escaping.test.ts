/**
 * Escaping is structural: a template that prints a value without the escaping filter of its context does not
 * render. Checked on a scratch template directory (the mechanism) and on every template of
 * dbt_project_template/ (all of them render with hostile text in every free-text field).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEnvironment, listTemplates, render } from "../../generator/render/index.ts";
import { buildHostile, FREE_TEXT_FIELDS, type FreeText } from "./hostile-spec.ts";

const HOSTILE = 'it\'s "x"\n-- {{ y }} $$ ;';
const free = Object.fromEntries(FREE_TEXT_FIELDS.map((k) => [k, `${k} ${HOSTILE}`])) as FreeText;
const { plan } = buildHostile(free);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Renders one scratch template against the hostile plan. */
function renderScratch(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "gen-tpl-"));
  dirs.push(dir);
  writeFileSync(join(dir, "t.sql"), source);
  const env = createEnvironment(dir);
  const [file] = render({ ...plan, files: [{ path: "t.sql", source: "template", from: "t.sql" }] }, env);
  const content = file?.content ?? "";
  return content.slice(content.indexOf("\n") + 1); // below the generated header
}

describe("templates print only escaped values, numbers, booleans and validated names", () => {
  const wf = "<% set wf = workflows[0] %>";

  it.each([
    ["a free-text field", `${wf}-- << wf.description >>`],
    ["a status", `${wf}<< wf.statusValues[1] >>`],
    ["a host", "<< project.snowflake.hosts[0] >>"],
    ["a task schedule (validated, but not a name)", "<< project.autoRestart.tasks[0].schedule >>"],
    // what a value is counts, not where it comes from: text built from names is text unless it is a name
    ["names joined into text with +", "<< project.name + ' ' + project.name >>"],
    ["a captured block", "<% set x %><< project.name >> as text<% endset %><< x >>"],
    ["a list", `${wf}<< wf.statusValues >>`],
    ["the safe filter", `${wf}<< wf.description | safe >>`],
    ["the HTML escape filter", `${wf}<< wf.description | escape >>`],
  ])("refuses %s", (_what, source) => {
    expect(() => renderScratch(source)).toThrow(/without an escaping filter|is not used by gen templates/);
  });

  it("prints names, numbers and booleans, and free text through a filter of its context", () => {
    const out = renderScratch(
      `${wf}<< project.name >> << project.snowflake.objects.procedure >> << wf.names.statefulModel >> ` +
        `<< wf.definition.state.retention_days * 2 >> << wf.stateful >> << project.genVersion >>\n` +
        `-- << wf.description | sql_comment >>\nSELECT << wf.description | sf_str >>;\n` +
        `<< project.autoRestart.tasks[0].schedule | sql_comment >>`,
    );
    expect(out.split("\n")[0]).toBe(
      "hostile_project ANALYTICS.WORKFLOWS.HOSTILE_PROJECT_HTTP_REQUEST stateful_hostile_flow 14 true 0.1.0",
    );
    // the comment stays one line, the literal keeps the text
    expect(out.split("\n")[1]).toBe(`-- workflow_description it's "x" -- { { y }} $ $ ;`);
    expect(out).toContain(`SELECT 'workflow_description it''s "x"\n-- {{ y }} $$ ;';`);
    expect(out).toContain("USING CRON 0 6 * * * UTC");
  });
});

describe("every template of the generated project", () => {
  it("renders with hostile text in every free-text field (nothing printed unescaped)", () => {
    // the hostile spec enables every template: both targets, both modes, auto_restart, sync
    const templates = plan.files.filter((f) => f.source === "template").map((f) => f.from);
    expect(new Set(templates)).toEqual(new Set(listTemplates()));
    const files = render(plan);
    expect(files.length).toBe(plan.files.length);
  });
});
