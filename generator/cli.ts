/**
 * The command registry: finds the command, parses argv with the options it declares, prints help
 * built from those declarations, and turns whatever the command throws into an exit code. The
 * commands themselves are in commands/, one module each.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EXIT_CODE_MEANINGS, ExitCode, GenError, toJsonText, type Diagnostic } from "./errors.ts";
import { didYouMean } from "./spec/suggest.ts";
import { createTerm, type Term } from "./util/term.ts";
import {
  printDiagnostics,
  UsageError,
  type Command,
  type CommandArgs,
  type LazyCommand,
  type OptionSpec,
} from "./commands/command.ts";
import { COMMANDS } from "./commands/index.ts";

const VERSION = "0.1.0";
const HELP_WIDTH = 110;
/** every command takes it; the registry answers it before the command runs */
const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", help: "print this help" };

export async function main(argv: string[], term: Term = createTerm()): Promise<number> {
  return dispatch(COMMANDS, argv, term);
}

/** A command, or its module still to load. */
const loaded = (c: Command | LazyCommand): Promise<Command> => ("load" in c ? c.load() : Promise.resolve(c));

/** Runs argv against a list of commands; the exit code. Every error ends here. */
export async function dispatch(
  commands: readonly (Command | LazyCommand)[],
  argv: string[],
  outerTerm: Term,
): Promise<number> {
  const [name, ...rest] = argv;
  // With --json, stdout carries one JSON document whatever happens: a failure the command did not report on
  // stdout itself is reported here, so a failure is never an empty stdout.
  let json = false;
  let printed = false;
  const term: Term = {
    ...outerTerm,
    out: (line) => {
      printed = true;
      outerTerm.out(line);
    },
  };
  try {
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      term.out(mainHelp(await Promise.all(commands.map(loaded))));
      return name === undefined ? ExitCode.usage : ExitCode.ok;
    }
    if (name === "--version" || name === "-v") {
      term.out(`gen ${VERSION}`);
      return ExitCode.ok;
    }
    const found = commands.find((c) => c.name === name);
    if (!found) {
      const names = commands.map((c) => c.name);
      const guess = didYouMean(name, names);
      throw new UsageError(
        `unknown command "${name}"`,
        `${guess ? `${guess} ` : ""}commands: ${names.join(", ")}`,
      );
    }
    const command = await loaded(found);
    json = asksForJson(command, rest);
    const { help, args } = parseCommandLine(command, rest);
    if (help) {
      term.out(commandHelp(command));
      return ExitCode.ok;
    }
    return await command.run(args, term);
  } catch (e) {
    if (e instanceof GenError) {
      printDiagnostics(e.diagnostics, term);
      if (json && !printed) term.out(toJsonText(failureJson(e.exitCode, e.diagnostics)));
      return e.exitCode;
    }
    term.err(term.paint("error", "gen: internal error (a bug, please report it):"));
    term.err(String((e as Error)?.stack ?? e));
    if (json && !printed) {
      const message = `internal error (a bug, please report it): ${(e as Error)?.message ?? String(e)}`;
      term.out(
        toJsonText(failureJson(ExitCode.internal, [{ severity: "error", code: "internal", message }])),
      );
    }
    return ExitCode.internal;
  }
}

/**
 * What `--json` prints for a failure: `ok: false`, the exit code, every diagnostic (spec and file problems are
 * located), and `error`, the first of them, for a runtime failure that has only one.
 */
export function failureJson(
  exitCode: number,
  diagnostics: Diagnostic[],
): { ok: false; exit_code: number; error: Diagnostic | null; diagnostics: Diagnostic[] } {
  const error = diagnostics.find((d) => d.severity === "error") ?? null;
  return { ok: false, exit_code: exitCode, error, diagnostics };
}

/** The command declares --json and the command line has it (before a `--` that hands the rest on). */
function asksForJson(command: Command, argv: string[]): boolean {
  if (!("json" in command.options)) return false;
  const dashes = command.passThrough ? argv.indexOf("--") : -1;
  return (dashes >= 0 ? argv.slice(0, dashes) : argv).includes("--json");
}

/** argv parsed with the command's declared options; a UsageError for anything it does not declare. */
export function parseCommandLine(
  command: Command,
  argv: string[],
): { help: boolean; args: CommandArgs<Command["options"]> } {
  const seeHelp = `see \`gen ${command.name} --help\``;
  let own = argv;
  let passThrough: string[] = [];
  const dashes = argv.indexOf("--");
  if (command.passThrough && dashes >= 0) {
    own = argv.slice(0, dashes);
    passThrough = argv.slice(dashes + 1);
  }
  // an option's optional value is taken out before parseArgs, which knows only required values
  const optionalValues: Record<string, string> = {};
  for (const [name, spec] of Object.entries(command.options)) {
    if (!spec.optionalValue) continue;
    const at = own.indexOf(`--${name}`);
    const next = at >= 0 ? own[at + 1] : undefined;
    if (next && !next.startsWith("-") && spec.optionalValue.accepts(next)) {
      optionalValues[name] = next;
      own = own.filter((_, i) => i !== at + 1);
    }
  }
  const config: NonNullable<ParseArgsConfig["options"]> = { help: { type: "boolean", short: "h" } };
  for (const [name, spec] of Object.entries(command.options))
    config[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  let parsed;
  try {
    parsed = parseArgs({ args: own, options: config, allowPositionals: true, strict: true });
  } catch (e) {
    const unknown = unknownOption(e, own, config);
    if (unknown)
      throw new UsageError(`unknown option "${unknown.typed}"`, `${unknown.hint} ${capitalize(seeHelp)}`);
    throw new UsageError((e as Error).message, seeHelp);
  }
  const values: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(parsed.values))
    if (typeof value === "string" || typeof value === "boolean") values[name] = value;
  Object.assign(values, optionalValues);
  const args = { values, positionals: parsed.positionals, passThrough };
  // --help answers before any value is judged
  if (values.help === true) return { help: true, args };
  for (const [name, spec] of Object.entries(command.options)) {
    const value = values[name];
    if (spec.choices && typeof value === "string" && !spec.choices.includes(value))
      throw new UsageError(`--${name} must be ${orList(spec.choices)}, not "${value}"`, seeHelp);
  }
  return { help: false, args };
}

/**
 * The first unknown option of argv, as the user typed it, and what they probably meant: the option it is a
 * unique start of (`--mock` for `--mock-api`), else the closest by spelling, else the long option a
 * single-dash word spells (`-json` for `--json`); without a guess, the list of options.
 */
function unknownOption(
  error: unknown,
  argv: string[],
  config: NonNullable<ParseArgsConfig["options"]>,
): { typed: string; hint: string } | undefined {
  if ((error as { code?: string }).code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return undefined;
  const { tokens } = parseArgs({
    args: argv,
    options: config,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const unknown = tokens.find((t) => t.kind === "option" && !(t.name in config));
  if (unknown?.kind !== "option") return undefined;
  const longs = Object.keys(config).map((name) => `--${name}`);
  const options = `options: ${longs.join(", ")}.`;
  if (!unknown.rawName.startsWith("--")) {
    // `-json` is parsed as -j -s -o -n: the word as typed is the argument the token came from
    const typed = argv[unknown.index] ?? unknown.rawName;
    const word = typed.replace(/^-+/, "").split("=")[0] ?? "";
    const meant = word.length > 1 ? longs.find((l) => l === `--${word}`) : undefined;
    return { typed, hint: meant ? `did you mean "${meant}"?` : options };
  }
  const typed = unknown.rawName;
  const starts = longs.filter((l) => l.startsWith(typed));
  if (starts.length === 1) return { typed, hint: `did you mean "${starts[0]}"?` };
  return { typed, hint: didYouMean(typed, longs) ?? options };
}

/** `gen <command> --help`, from the command's declarations. */
export function commandHelp(command: Command): string {
  const options: [string, OptionSpec][] = [...Object.entries(command.options), ["help", HELP_OPTION]];
  const usage = [
    `gen ${command.name}`,
    ...(command.positionals ? [command.positionals] : []),
    ...Object.entries(command.options).map(([name, spec]) => `[${usageOf(name, spec)}]`),
    ...(command.passThrough ? [`[-- ${command.passThrough.value}...]`] : []),
  ];
  const rows: [string, string][] = options.map(([name, spec]) => [labelOf(name, spec), spec.help]);
  if (command.passThrough) rows.push([`-- ${command.passThrough.value}`, command.passThrough.help]);
  const sections = [
    wrapWords(usage, "Usage: ", "  "),
    ...(command.description ? [command.description.map((p) => wrap(p, "")).join("\n")] : []),
    "Options:\n" + table(rows),
    ...(command.epilogue ? [command.epilogue.map((p) => wrap(p, "")).join("\n")] : []),
  ];
  return sections.join("\n\n");
}

/** `gen --help`, from the registry. */
export function mainHelp(commands: readonly Command[]): string {
  const rows: [string, string][] = commands.map((c) => [
    [c.name, c.positionals].filter(Boolean).join(" "),
    c.summary,
  ]);
  const exitCodes = Object.entries(EXIT_CODE_MEANINGS).map(([code, meaning]) => `${code} ${meaning}`);
  return [
    "gen: compile YAML workflow specs into dbt projects (DuckDB and Snowflake)",
    "Usage: gen <command> [options]",
    "Commands:\n" + table(rows),
    "Run `gen <command> --help` for the options of a command.",
    // an exit code and its meaning stay on one line
    wrapWords(
      ["Exit codes:", ...exitCodes.map((c, i) => c + (i < exitCodes.length - 1 ? "," : "."))],
      "",
      "",
    ),
  ].join("\n\n");
}

/** `-o DIR`, `--target duckdb|snowflake|all`, `--retry-failed [ID]`: an option in the usage line */
function usageOf(name: string, spec: OptionSpec): string {
  const flag = spec.short ? `-${spec.short}` : `--${name}`;
  if (spec.optionalValue) return `${flag} [${spec.optionalValue.name}]`;
  if (spec.type === "boolean") return flag;
  return `${flag} ${spec.choices ? spec.choices.join("|") : (spec.value ?? "VALUE")}`;
}

/** `-o, --out DIR`: an option in the options table */
function labelOf(name: string, spec: OptionSpec): string {
  const flags = spec.short ? `-${spec.short}, --${name}` : `--${name}`;
  if (spec.optionalValue) return `${flags} [${spec.optionalValue.name}]`;
  return spec.type === "string" ? `${flags} ${spec.value ?? "VALUE"}` : flags;
}

/** Two columns: the label, then its text wrapped under itself. */
function table(rows: [string, string][]): string {
  const column = Math.min(Math.max(...rows.map(([label]) => label.length)) + 4, 32);
  return rows
    .map(([label, text]) => {
      const first = `  ${label}`;
      if (first.length + 2 > column) return `${first}\n${wrap(text, " ".repeat(column))}`;
      return wrap(text, " ".repeat(column)).replace(/^ +/, first.padEnd(column));
    })
    .join("\n");
}

/** text wrapped at HELP_WIDTH, each line starting with indent */
function wrap(text: string, indent: string): string {
  return wrapWords(text.split(" "), indent, indent);
}

function wrapWords(words: string[], first: string, rest: string): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  lines.push(line);
  return lines.join("\n");
}

function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
