import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GEN_HOME, VENV_DIR } from "./dbt/index.ts";
import { ExitCode, GenError } from "./errors.ts";

const REQUIREMENTS = join(GEN_HOME, "requirements.txt");
const STAMP = join(VENV_DIR, ".gen-requirements.sha256");

/** Hash of the pinned requirements; the venv is rebuilt only when they change. */
function requirementsHash(): string {
  return createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex");
}

export function venvIsCurrent(): boolean {
  return (
    existsSync(join(VENV_DIR, "bin", "dbt")) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, "utf8").trim() === requirementsHash()
  );
}

/** Creates .venv/ with the pinned dbt packages; a fast no-op when it is already current. */
export async function setupVenv(log: (line: string) => void): Promise<{ created: boolean; ms: number }> {
  const started = Date.now();
  if (venvIsCurrent()) return { created: false, ms: Date.now() - started };
  const python = process.env.GEN_PYTHON ?? "python3";
  const run = async (cmd: string, args: string[]) => {
    log(`$ ${cmd} ${args.join(" ")}`);
    const { execa } = await import("execa"); // lazily, see generator/dbt/index.ts
    const r = await execa(cmd, args, {
      reject: false,
      stdin: "ignore",
      stdout: "inherit",
      stderr: "inherit",
      cwd: GEN_HOME,
    });
    if (r.exitCode !== 0)
      throw new GenError("setup-failed", `\`${cmd} ${args.join(" ")}\` failed with exit code ${r.exitCode}`, {
        exitCode: ExitCode.internal,
        hint: "needs Python 3.11 with venv and access to PyPI; see the output above",
      });
  };
  if (!existsSync(join(VENV_DIR, "bin", "python"))) await run(python, ["-m", "venv", VENV_DIR]);
  const pip = join(VENV_DIR, "bin", "pip");
  await run(pip, ["install", "--disable-pip-version-check", "--quiet", "-r", REQUIREMENTS]);
  writeFileSync(STAMP, requirementsHash() + "\n");
  return { created: true, ms: Date.now() - started };
}
