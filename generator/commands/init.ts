import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ExitCode } from "../errors.ts";
import { STARTER_SPEC } from "../spec/index.ts";
import { defineCommand, UsageError } from "./command.ts";

export const init = defineCommand({
  name: "init",
  summary: "write a commented starter spec",
  positionals: "[file]",
  description: ["Writes a commented starter spec (default: specs/workflow.yaml)."],
  options: {
    force: { type: "boolean", help: "overwrite the file when it exists" },
  },
  run({ values, positionals }, term) {
    const path = positionals[0] ?? join("specs", "workflow.yaml");
    if (existsSync(path) && !values.force)
      throw new UsageError(`${path} already exists`, "pass --force to overwrite it");
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, STARTER_SPEC);
    term.err(`${term.paint("ok", "wrote")} ${path}: next, gen build ${path}`);
    return ExitCode.ok;
  },
});
