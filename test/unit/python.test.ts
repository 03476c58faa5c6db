import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { PYTHON, requireVenv } from "../integration/harness.ts";

// The HTTP primitive and the dbt-duckdb plugin are Python; their unittest suite runs inside the vitest run
// so that the README's one test command covers everything.
describe("python: gen_http_core and gen_duckdb_plugin", () => {
  it("unittest suite passes", { timeout: 180_000 }, async () => {
    requireVenv();
    const r = await execa(PYTHON, ["-m", "unittest", "discover", "-s", "test/python", "-v"], {
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/^OK/m);
    expect(r.all).not.toMatch(/skipped/);
  });
});
