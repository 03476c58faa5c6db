/**
 * What a command module declares: its name, a one-line summary, its positionals, its options (each
 * once, with its help text) and `run`. The registry in cli.ts parses argv with these declarations and
 * builds `gen --help` and `gen <command> --help` from them, so no usage text is written by hand.
 */
import { ExitCode, formatDiagnostic, GenError, type Diagnostic } from "../errors.ts";
import type { Term } from "../util/term.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  /** one-letter alias, e.g. "o" for -o */
  short?: string;
  /** a string option's value as help shows it, e.g. DIR */
  value?: string;
  /** the only values a string option takes; the registry refuses any other (exit 2) */
  choices?: readonly string[];
  /**
   * a boolean option that may be followed by a value of its own (`--retry-failed [ID]`): the next
   * argument, when it is not an option and `accepts` it
   */
  optionalValue?: { name: string; accepts: (arg: string) => boolean };
  /** one sentence or more, wrapped when printed */
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

type OptionValue<S extends OptionSpec> = S extends { optionalValue: object }
  ? string | true
  : S["type"] extends "boolean"
    ? boolean
    : S["type"] extends "string"
      ? S extends { choices: readonly (infer C)[] }
        ? C
        : string
      : string | boolean;

export type OptionValues<O extends OptionSpecs> = { [K in keyof O]?: OptionValue<O[K]> };

export interface CommandArgs<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
  /** the arguments after `--`, for a command that declares `passThrough` */
  passThrough: string[];
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  /** one line, for `gen --help` */
  summary: string;
  /** the positionals as usage shows them, e.g. "<spec...>"; "" when there are none */
  positionals: string;
  /** paragraphs printed after the usage line */
  description?: string[];
  options: O;
  /** arguments after `--` are handed to run as they are (e.g. to dbt) */
  passThrough?: { value: string; help: string };
  /** paragraphs printed after the options */
  epilogue?: string[];
  // a method, so a command with its own option types is a Command of the registry's
  run(args: CommandArgs<O>, term: Term): Promise<number> | number;
}

/**
 * A command of the registry before its module is loaded: `gen <name>` loads that one module (and what it
 * imports), so that a command's start pays for its own code alone.
 */
export interface LazyCommand {
  name: string;
  load: () => Promise<Command>;
}

/** Keeps the literal option declarations, so `run` sees typed values. */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

/** A mistake in the command line: printed as a diagnostic, exit 2. */
export class UsageError extends GenError {
  constructor(message: string, hint?: string) {
    super("usage", message, { exitCode: ExitCode.usage, hint });
  }
}

/** Diagnostics on stderr, one formatted line each (here, not in shared.ts: the registry prints them too). */
export function printDiagnostics(diagnostics: Diagnostic[], term: Term): void {
  for (const d of diagnostics) term.err(formatDiagnostic(d, term.paint));
}

/** -o of the commands that work on one spec's project (run, sync) */
export const OUT_OPTION = {
  type: "string",
  short: "o",
  value: "DIR",
  help: "output directory (default out/<project name>)",
} as const satisfies OptionSpec;
