/**
 * Hostile spec files through the real CLI: each is refused with exit 1 and a message, in a moment,
 * within a small heap, and without a stack trace; diagnostics never print a terminal escape raw.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../integration/harness.ts";

/**
 * gen with a 256 MB heap (an alias bomb used 3.4 GB) and killed after 20 s (a FIFO read blocked
 * forever): either turns a regression into a failed exit code rather than a hung test run.
 */
const gen = (args: string[]) =>
  execa("node", [join(process.cwd(), "bin/gen.js"), ...args], {
    reject: false,
    timeout: 20_000,
    env: { NO_COLOR: "1", NODE_OPTIONS: "--max-old-space-size=256" },
  });

const tempDir = useTempDirs("gen-load-hostile-");
const fixture = (name: string) => join(process.cwd(), "test/fixtures/bad-specs", name);

/** Exit 1 with exactly `message` among the lines on stderr, and no internal error. */
async function expectRefused(args: string[], message: RegExp): Promise<void> {
  const r = await gen(args);
  expect(r.timedOut, "gen did not finish").toBe(false);
  expect(r.stderr).not.toMatch(/internal error|^ {4}at /m);
  expect(r.stderr).toMatch(message);
  expect(r.exitCode, r.stderr).toBe(1);
}

describe("spec files that are not regular files", () => {
  it("refuses a FIFO in validate and build, without waiting for a writer", async () => {
    const fifo = join(tempDir(), "spec.yaml");
    execFileSync("mkfifo", [fifo]);
    const refused = new RegExp(`^${fifo} is a named pipe \\(FIFO\\), not a spec file`, "m");
    await expectRefused(["validate", fifo], refused);
    const out = join(tempDir(), "out");
    await expectRefused(["build", fifo, "-o", out], refused);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses /dev/zero in validate, build and deploy", async () => {
    const refused = /^\/dev\/zero is a device, not a spec file/m;
    await expectRefused(["validate", "/dev/zero"], refused);
    await expectRefused(["build", "/dev/zero", "-o", join(tempDir(), "out")], refused);
    await expectRefused(["deploy", "/dev/zero", "--dry-run"], refused);
  });

  it("refuses a 50 MB spec without reading it", async () => {
    const big = join(tempDir(), "big.yaml");
    writeFileSync(big, "");
    truncateSync(big, 50 * 1024 * 1024);
    await expectRefused(["validate", big], /the spec is larger than gen's limit of 4 MiB \(50 MiB\)/);
  });
});

describe("alias bombs", () => {
  const bomb = fixture("hostile-yaml-alias-expansion--billion-laughs.yaml");

  it("are refused by validate and by build, in a small heap, writing nothing", async () => {
    const located =
      /hostile-yaml-alias-expansion--billion-laughs\.yaml:\d+:\d+ {2}aliases expand the spec beyond/;
    await expectRefused(["validate", bomb], located);
    const out = join(tempDir(), "out");
    await expectRefused(["build", bomb, "-o", out], located);
    expect(existsSync(out)).toBe(false);
  });

  it("a chain of 10,000 aliases and a cycle are refused, not a stack overflow", async () => {
    await expectRefused(
      ["validate", fixture("hostile-yaml-too-deep--alias-chain.yaml")],
      /:102:11 {2}mappings and lists nest more than 100 levels deep here/,
    );
    await expectRefused(
      ["build", fixture("hostile-yaml-alias-cycle.yaml"), "-o", join(tempDir(), "out")],
      /:2:19 {2}this alias refers to a mapping or list that contains it/,
    );
  });
});

describe("terminal escapes in diagnostics", () => {
  const spec = fixture("hostile-control-character--escape-in-key.yaml");
  // raw ESC or C1 (CSI) would act on the terminal: clear it, colour it
  // eslint-disable-next-line no-control-regex -- control characters are what the output must not hold
  const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

  it("are shown as \\x1b and \\x9b in text output", async () => {
    const r = await gen(["validate", spec]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toContain('unknown key "\\x1b[2J\\x1b[31mclear screen"');
    expect(r.stderr).toContain('unknown key "\\x9b31m8-bit CSI"');
  });

  it("stay escaped in --json output, which parses back to the keys as written", async () => {
    const r = await gen(["validate", spec, "--json"]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).not.toMatch(RAW);
    const out = JSON.parse(r.stdout) as { ok: boolean; diagnostics: { code: string; message: string }[] };
    expect(out.ok).toBe(false);
    expect(out.diagnostics.filter((d) => d.code === "unknown-key").map((d) => d.message)).toEqual([
      'unknown key "\x1b[2J\x1b[31mclear screen"',
      'unknown key "\x9b31m8-bit CSI"',
    ]);
    expect(readFileSync(spec, "utf8")).toContain("\\e[2J"); // the fixture holds the escapes, not the bytes
  });
});
