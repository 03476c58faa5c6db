// `gen build --check` through the real CLI on real directories: exit 1 for stale, missing and extra files,
// exit 0 when the output is up to date (files the user added do not count), and it never writes.
import { execa } from "execa";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specYaml } from "../../bench/spec.ts";

const GEN = resolve("bin/gen.js");
let dir: string;
let out: string;
let spec: string;

const gen = (...args: string[]) => execa("node", [GEN, ...args], { reject: false, env: { NO_COLOR: "1" } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gen-check-"));
  out = join(dir, "out");
  spec = join(dir, "spec.yaml");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gen build --check", { timeout: 60_000 }, () => {
  it("exits 0 when the output is up to date, and 1 for missing output", async () => {
    writeFileSync(spec, specYaml(2, { project: "checked" }));
    const missing = await gen("build", "--check", spec, "-o", out);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/dbt_project\.yml {2}missing/);

    const built = await gen("build", spec, "-o", out);
    expect(built.exitCode).toBe(0);
    // a file the user added to the project is not gen's business
    writeFileSync(join(out, "models", "my_model.sql"), "select 42 as answer\n");
    const ok = await gen("build", "--check", spec, "-o", out);
    expect(ok.stderr).toMatch(/is up to date/);
    expect(ok.exitCode).toBe(0);
  });

  it("exits 1 for a stale file and for a deleted one, and writes nothing", async () => {
    const model = join(out, "models", "wf_0001", "stateful_wf_0001.sql");
    const original = readFileSync(model, "utf8");
    writeFileSync(model, original + "-- edited by hand\n");
    const schema = join(out, "models", "wf_0000", "schema.yml");
    unlinkSync(schema);
    const mtime = statSync(model).mtimeMs;

    const r = await gen("build", "--check", "--json", spec, "-o", out);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; results: { stale: string[]; missing: string[] }[] };
    expect(report.ok).toBe(false);
    expect(report.results[0]?.stale).toEqual(["models/wf_0001/stateful_wf_0001.sql"]);
    expect(report.results[0]?.missing).toEqual(["models/wf_0000/schema.yml"]);
    expect(statSync(model).mtimeMs).toBe(mtime);
    expect(() => statSync(schema)).toThrow();

    expect((await gen("build", spec, "-o", out)).exitCode).toBe(0);
    expect((await gen("build", "--check", spec, "-o", out)).exitCode).toBe(0);
  });

  it("exits 1 for files gen generated before and no longer generates (a removed workflow)", async () => {
    writeFileSync(spec, specYaml(2, { project: "checked", only: [0] }));
    const r = await gen("build", "--check", spec, "-o", out);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/models\/wf_0001\/stateful_wf_0001\.sql {2}no longer generated/);
    expect(r.stderr).not.toMatch(/my_model/);

    const built = await gen("build", spec, "-o", out);
    expect(built.stderr).toMatch(/removed/);
    expect((await gen("build", "--check", spec, "-o", out)).exitCode).toBe(0);
    expect(readFileSync(join(out, "models", "my_model.sql"), "utf8")).toBe("select 42 as answer\n");
  });
});
