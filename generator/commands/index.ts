/**
 * Every command of gen, in the order `gen --help` lists them: one module each in this folder, named after the
 * command and loaded only when it runs (`gen sync --status` does not load the compiler of `gen build`).
 */
import type { Command, LazyCommand } from "./command.ts";

export const COMMANDS: readonly LazyCommand[] = [
  { name: "build", load: async () => (await import("./build.ts")).build },
  { name: "watch", load: async () => (await import("./watch.ts")).watch },
  { name: "validate", load: async () => (await import("./validate.ts")).validate },
  { name: "run", load: async () => (await import("./run.ts")).run },
  { name: "init", load: async () => (await import("./init.ts")).init },
  { name: "mock-api", load: async () => (await import("./mock-api.ts")).mockApi },
  { name: "restart", load: async () => (await import("./restart.ts")).restart },
  { name: "sync", load: async () => (await import("./sync.ts")).sync },
  { name: "deploy", load: async () => (await import("./deploy.ts")).deploy },
  { name: "setup", load: async () => (await import("./setup.ts")).setup },
];

/** Every command, loaded (gen --help, the tests). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMANDS.map((c) => c.load()));
}
