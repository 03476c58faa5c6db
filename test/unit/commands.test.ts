// The command registry: every command is a module of generator/commands/ with declared options, its help is
// built from those declarations, and argv mistakes are usage errors (exit 2) whatever the command.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandHelp, dispatch, main, mainHelp } from "../../generator/cli.ts";
import { defineCommand, type Command } from "../../generator/commands/command.ts";
import { COMMANDS as REGISTRY, loadCommands } from "../../generator/commands/index.ts";
import { withSummaryVar } from "../../generator/dbt/index.ts";
import { ExitCode, GenError } from "../../generator/errors.ts";
import type { Term } from "../../generator/util/term.ts";

const COMMANDS_DIR = join(import.meta.dirname, "../../generator/commands");
const COMMANDS = await loadCommands();

/** A terminal that keeps what was printed. */
function captureTerm(): Term & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    color: false,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    paint: (_kind, s) => s,
    stdout: () => out.join("\n"),
    stderr: () => err.join("\n"),
  };
}

async function gen(argv: string[]) {
  const term = captureTerm();
  const code = await main(argv, term);
  return { code, stdout: term.stdout(), stderr: term.stderr() };
}

describe("the command registry", () => {
  it("has every command, each from its own module in generator/commands/", async () => {
    expect(COMMANDS.map((c) => c.name).sort()).toEqual(
      ["build", "deploy", "init", "mock-api", "restart", "run", "setup", "sync", "validate", "watch"].sort(),
    );
    for (const command of COMMANDS) {
      const module = (await import(join(COMMANDS_DIR, `${command.name}.ts`))) as Record<string, unknown>;
      expect(Object.values(module), command.name).toContain(command);
      expect(command.summary, command.name).not.toBe("");
      expect(Object.keys(command.options), command.name).not.toContain("help"); // the registry's own
      for (const [name, option] of Object.entries(command.options))
        expect(option.help, `${command.name} --${name}`).not.toBe("");
    }
    // the registry's names are the modules' own, each loading its module alone
    expect(COMMANDS.map((c) => c.name)).toEqual(REGISTRY.map((c) => c.name));
    // and no module in the folder is left out of the registry
    const helpers = ["command.ts", "index.ts", "project.ts", "shared.ts"];
    const modules = readdirSync(COMMANDS_DIR).filter((f) => !helpers.includes(f));
    expect(modules.sort()).toEqual(COMMANDS.map((c) => `${c.name}.ts`).sort());
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    "gen %s --help is built from its declarations",
    async (name, command) => {
      const r = await gen([name, "--help"]);
      expect(r.code).toBe(ExitCode.ok);
      expect(r.stdout).toBe(commandHelp(command));
      expect(
        r.stdout.startsWith(`Usage: gen ${name}${command.positionals ? ` ${command.positionals}` : ""}`),
      ).toBe(true);
      const flat = r.stdout.replace(/\s+/g, " ");
      for (const [option, spec] of Object.entries(command.options)) {
        expect(r.stdout, option).toContain(`--${option}`);
        if (spec.short) expect(r.stdout, option).toContain(`-${spec.short}, --${option}`);
        expect(flat, option).toContain(spec.help.replace(/\s+/g, " "));
      }
      expect(r.stdout).toContain("-h, --help");
      for (const line of r.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(110);
    },
  );

  it("help follows a declaration: a new option appears in help and parses", async () => {
    const probe = defineCommand({
      name: "probe",
      summary: "a command that exists only in this test",
      positionals: "<thing>",
      options: {
        level: { type: "string", short: "l", value: "N", choices: ["1", "2"], help: "how deep to probe" },
      },
      run: ({ values, positionals }, term) => {
        term.out(`level ${values.level} of ${positionals.join(",")}`);
        return ExitCode.ok;
      },
    });
    const help = commandHelp(probe);
    expect(help).toMatch(/^Usage: gen probe <thing> \[-l 1\|2\]/);
    expect(help).toMatch(/^ {2}-l, --level N +how deep to probe$/m);
    expect(mainHelp([probe])).toMatch(/^ {2}probe <thing> +a command that exists only in this test$/m);
    const term = captureTerm();
    expect(await dispatch([probe], ["probe", "-l", "2", "x"], term)).toBe(ExitCode.ok);
    expect(term.stdout()).toBe("level 2 of x");
    const bad = captureTerm();
    expect(await dispatch([probe], ["probe", "--level", "3"], bad)).toBe(ExitCode.usage);
    expect(bad.stderr()).toBe('--level must be 1 or 2, not "3"  (see `gen probe --help`)');
  });

  it.each(COMMANDS.map((c) => [c.name] as const))(
    "gen %s with an unknown option exits 2 and runs nothing",
    async (name) => {
      const r = await gen([name, "--no-such-option", "x"]);
      expect(r.code).toBe(ExitCode.usage);
      expect(r.stderr).toMatch(
        /^unknown option "--no-such-option" {2}\(options: --help, .*\. See `gen .+ --help`\)$/,
      );
      expect(r.stdout).toBe("");
    },
  );

  it("suggests the option or command that was probably meant", async () => {
    const option = await gen(["build", "--foce", "specs/policy.yaml"]);
    expect(option.code).toBe(ExitCode.usage);
    expect(option.stderr).toContain('(did you mean "--force"? See `gen build --help`)');
    // a unique start of an option wins over a closer spelling (--mode); -json is the long option it spells
    const start = await gen(["run", "--mock", "specs/policy.yaml"]);
    expect(start.stderr).toBe('unknown option "--mock"  (did you mean "--mock-api"? See `gen run --help`)');
    const dash = await gen(["validate", "-json", "specs/policy.yaml"]);
    expect(dash.stderr).toBe('unknown option "-json"  (did you mean "--json"? See `gen validate --help`)');
    const short = await gen(["validate", "-x", "specs/policy.yaml"]);
    expect(short.stderr).toBe('unknown option "-x"  (options: --help, --json. See `gen validate --help`)');
    const command = await gen(["biuld"]);
    expect(command.code).toBe(ExitCode.usage);
    expect(command.stderr).toContain('unknown command "biuld"  (did you mean "build"? commands: build, ');
  });

  it("-v and --version print the version", async () => {
    for (const flag of ["-v", "--version"]) {
      const r = await gen([flag]);
      expect(r.code).toBe(ExitCode.ok);
      expect(r.stdout).toMatch(/^gen \d+\.\d+\.\d+$/);
    }
  });

  it("with --json, a failure prints JSON on stdout: a GenError's diagnostics, an internal error's message", async () => {
    const failing = (error: unknown): Command =>
      defineCommand({
        name: "fail",
        summary: "throws",
        positionals: "",
        options: { json: { type: "boolean", help: "JSON" } },
        run: () => {
          throw error;
        },
      });
    const located = new GenError("x", "it failed", {
      exitCode: ExitCode.dbtFailed,
      hint: "do this",
      location: { file: "s.yaml", line: 3, col: 4 },
    });
    const term = captureTerm();
    expect(await dispatch([failing(located)], ["fail", "--json"], term)).toBe(ExitCode.dbtFailed);
    const diagnostic = {
      severity: "error",
      code: "x",
      message: "it failed",
      hint: "do this",
      location: { file: "s.yaml", line: 3, col: 4 },
    };
    expect(JSON.parse(term.stdout())).toEqual({
      ok: false,
      exit_code: ExitCode.dbtFailed,
      error: diagnostic,
      diagnostics: [diagnostic],
    });
    expect(term.stderr()).toBe("s.yaml:3:4  it failed  (do this)"); // people still read stderr
    const bug = captureTerm();
    expect(await dispatch([failing(new TypeError("oops"))], ["fail", "--json"], bug)).toBe(ExitCode.internal);
    expect(JSON.parse(bug.stdout())).toMatchObject({
      ok: false,
      exit_code: ExitCode.internal,
      error: { code: "internal", message: "internal error (a bug, please report it): oops" },
    });
    // a usage mistake too, once the command is known to take --json
    const usage = captureTerm();
    expect(await dispatch([failing(located)], ["fail", "--json", "--jsn"], usage)).toBe(ExitCode.usage);
    expect(JSON.parse(usage.stdout())).toMatchObject({ ok: false, exit_code: 2, error: { code: "usage" } });
    // without --json, stdout stays empty
    const plain = captureTerm();
    await dispatch([failing(located)], ["fail"], plain);
    expect(plain.stdout()).toBe("");
  });

  it("gen adds the summary var to the dbt commands that can run a workflow, merged into the --vars given", () => {
    expect(withSummaryVar(["run", "--select", "a"])).toEqual([
      "run",
      "--select",
      "a",
      "--vars",
      '{"gen_summary":true}',
    ]);
    expect(withSummaryVar(["build", "--vars", "{policy_name: x}"])).toEqual([
      "build",
      "--vars",
      '{"policy_name":"x","gen_summary":true}',
    ]);
    expect(withSummaryVar(["--quiet", "run", "--vars={a: 1}"])).toEqual([
      "--quiet",
      "run",
      '--vars={"a":1,"gen_summary":true}',
    ]);
    expect(withSummaryVar(["run-operation", "run_x"])).toEqual([
      "run-operation",
      "run_x",
      "--vars",
      '{"gen_summary":true}',
    ]);
    expect(withSummaryVar(["ls"])).toEqual(["ls"]);
  });

  it("gen --help lists every command with its summary; gen alone is a usage error", async () => {
    const r = await gen(["--help"]);
    expect(r.code).toBe(ExitCode.ok);
    const flat = r.stdout.replace(/\s+/g, " ");
    for (const c of COMMANDS)
      expect(flat).toContain(`${[c.name, c.positionals].join(" ").trim()} ${c.summary}`);
    expect(r.stdout).toBe(mainHelp(COMMANDS));
    expect((await gen([])).code).toBe(ExitCode.usage);
  });

  it("maps what a command throws to the exit code: GenError's own, anything else 70", async () => {
    const failing = (error: unknown): Command =>
      defineCommand({
        name: "fail",
        summary: "throws",
        positionals: "",
        options: {},
        run: () => {
          throw error;
        },
      });
    const deploy = captureTerm();
    const deployFailed = new GenError("x", "it failed", { exitCode: ExitCode.deployFailed });
    expect(await dispatch([failing(deployFailed)], ["fail"], deploy)).toBe(ExitCode.deployFailed);
    expect(deploy.stderr()).toBe("it failed");
    const bug = captureTerm();
    expect(await dispatch([failing(new TypeError("oops"))], ["fail"], bug)).toBe(ExitCode.internal);
    expect(bug.stderr()).toMatch(/^gen: internal error \(a bug, please report it\):\nTypeError: oops/);
  });

  it("sync --retry-failed takes an ID when one follows, and restart hands what follows -- to dbt", async () => {
    const seen: unknown[] = [];
    const probe = defineCommand({
      name: "probe",
      summary: "records its arguments",
      positionals: "<spec>",
      options: {
        retry: {
          type: "boolean",
          optionalValue: { name: "ID", accepts: (a) => !a.endsWith(".yaml") },
          help: "x",
        },
      },
      passThrough: { value: "ARGS", help: "passed on" },
      run: (args) => {
        seen.push(args);
        return ExitCode.ok;
      },
    });
    const term = captureTerm();
    await dispatch([probe], ["probe", "--retry", "exec_1", "s.yaml", "--", "--target", "x"], term);
    await dispatch([probe], ["probe", "--retry", "s.yaml"], term);
    expect(seen).toEqual([
      { values: { retry: "exec_1" }, positionals: ["s.yaml"], passThrough: ["--target", "x"] },
      { values: { retry: true }, positionals: ["s.yaml"], passThrough: [] },
    ]);
  });
});
