/** Every command of gen, in the order `gen --help` lists them: one module each in this folder. */
import type { Command } from "./command.ts";
import { build } from "./build.ts";
import { deploy } from "./deploy.ts";
import { init } from "./init.ts";
import { mockApi } from "./mock-api.ts";
import { restart } from "./restart.ts";
import { run } from "./run.ts";
import { setup } from "./setup.ts";
import { sync } from "./sync.ts";
import { validate } from "./validate.ts";
import { watch } from "./watch.ts";

export const COMMANDS: readonly Command[] = [
  build,
  watch,
  validate,
  run,
  init,
  mockApi,
  restart,
  sync,
  deploy,
  setup,
];
