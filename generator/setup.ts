import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GEN_HOME, VENVS, type VenvName } from "./dbt/index.ts";
import { ExitCode, GenError } from "./errors.ts";

const stampOf = (dir: string) => join(dir, ".gen-requirements.sha256");

/** Hash of a venv's pinned requirements; the venv is rebuilt only when they change. */
function requirementsHash(name: VenvName): string {
  return createHash("sha256").update(readFileSync(VENVS[name].requirements)).digest("hex");
}

export function venvIsCurrent(name: VenvName = "duckdb"): boolean {
  const { dir } = VENVS[name];
  return (
    existsSync(join(dir, "bin", "dbt")) &&
    existsSync(stampOf(dir)) &&
    readFileSync(stampOf(dir), "utf8").trim() === requirementsHash(name)
  );
}

/** The venvs `gen setup` makes: DuckDB's dbt always, Snowflake's with --snowflake, every one with --all. */
export function venvsToSetUp(options: { snowflake?: boolean; all?: boolean }): VenvName[] {
  return (Object.keys(VENVS) as VenvName[]).filter((n) => {
    const made = VENVS[n].made;
    return made === "always" || options.all || (options.snowflake && made.startsWith("with --snowflake"));
  });
}

/** Creates one venv with its pinned packages; a fast no-op when it is already current. */
export async function setupVenv(
  name: VenvName,
  log: (line: string) => void,
): Promise<{ created: boolean; ms: number }> {
  const started = Date.now();
  if (venvIsCurrent(name)) return { created: false, ms: Date.now() - started };
  const { dir, requirements } = VENVS[name];
  const python = process.env.GEN_PYTHON ?? "python3";
  const run = async (cmd: string, args: string[]) => {
    log(`$ ${cmd} ${args.join(" ")}`);
    const { execa } = await import("execa"); // lazily, see generator/dbt/index.ts
    const r = await execa(cmd, args, {
      reject: false,
      stdin: "ignore",
      // pip's output is progress: stderr, so that stdout stays the command's result (--json)
      stdout: process.stderr,
      stderr: "inherit",
      cwd: GEN_HOME,
    });
    if (r.exitCode !== 0)
      throw new GenError("setup-failed", `\`${cmd} ${args.join(" ")}\` failed with exit code ${r.exitCode}`, {
        exitCode: ExitCode.internal,
        hint: "needs Python 3.11 with venv and access to PyPI; see the output above",
      });
  };
  if (!existsSync(join(dir, "bin", "python"))) await run(python, ["-m", "venv", dir]);
  await run(join(dir, "bin", "pip"), [
    "install",
    "--disable-pip-version-check",
    "--quiet",
    "-r",
    requirements,
  ]);
  writeFileSync(stampOf(dir), requirementsHash(name) + "\n");
  return { created: true, ms: Date.now() - started };
}
