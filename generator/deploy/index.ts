/**
 * `gen deploy`: applies the Snowflake setup SQL of a project (snowflake/*.sql, in file order) with
 * snowflake-sdk, sets the SECRET values from environment variables, and stops at the first failure.
 * Every generated statement is idempotent, so deploying twice is safe.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, formatDiagnostic, GenError } from "../errors.ts";
import {
  connectAsync,
  connectionFromEnv,
  createConnection,
  describeError,
  destroyAsync,
  executeAsync,
} from "../snowflake/client.ts";
import { snowflakeString } from "../util/escape.ts";
import { redactor } from "../util/redact.ts";
import type { Term } from "../util/term.ts";
import { compileForSnowflake } from "./compile.ts";
import { splitStatements, SqlSplitError, statementLabel, type SqlStatement } from "./sql.ts";

export { splitStatements, statementLabel, type SqlStatement } from "./sql.ts";

/** Exit code of a deploy stopped by a failing statement (or a failed connection). */
export const DEPLOY_FAILED = ExitCode.deployFailed;

/** A statement to send; `display` is what may be printed (secret values masked). */
export interface DeployStatement extends SqlStatement {
  display: string;
}

export interface DeployPlan {
  statements: DeployStatement[];
  /** secret values that must never be printed, each also as it is escaped inside the statement */
  secretValues: string[];
  warnings: string[];
}

export interface SetupFile {
  path: string;
  content: string;
}

const SECRET_CREATE =
  /^CREATE\s+SECRET\s+IF\s+NOT\s+EXISTS\s+((?:[A-Za-z_][A-Za-z0-9_$]*\.){0,2}([A-Za-z_][A-Za-z0-9_$]*))/i;
const NETWORK_RULE =
  /^(?:CREATE|ALTER)\s+(?:OR\s+(?:ALTER|REPLACE)\s+)?NETWORK\s+RULE\b[\s\S]*?VALUE_LIST\s*=\s*\(([^)]*)\)/i;
const UNREACHABLE_HOST = /^(localhost|127\.|0\.0\.0\.0|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|\[?::1\]?)/i;

/**
 * The statements of the setup files (the `.sql` ones, in path order), with an `ALTER SECRET ... SET SECRET_STRING` after each
 * `CREATE SECRET IF NOT EXISTS <name>` whose environment variable (the name's last part) is set.
 */
export function planDeploy(files: SetupFile[], env: NodeJS.ProcessEnv = process.env): DeployPlan {
  const statements: DeployStatement[] = [];
  const secretValues: string[] = [];
  const warnings: string[] = [];
  const sqlFiles = files.filter((f) => f.path.endsWith(".sql")).sort((a, b) => a.path.localeCompare(b.path));
  for (const file of sqlFiles) {
    for (const st of splitStatements(file.content, file.path)) {
      statements.push({ ...st, display: st.sql });
      const rule = NETWORK_RULE.exec(st.sql);
      if (rule) {
        for (const host of (rule[1] ?? "").split(",").map((h) => h.trim().replace(/^'|'$/g, ""))) {
          if (UNREACHABLE_HOST.test(host))
            warnings.push(
              `the network rule allows ${host}, which Snowflake cannot reach (a loopback or private address): ` +
                "point the connection's base_url (or its ${env.X:-default}) at the real API host and rebuild",
            );
        }
      }
      const secret = SECRET_CREATE.exec(st.sql);
      if (!secret) continue;
      const [, qualified, envName] = secret as unknown as [string, string, string];
      const value = env[envName];
      if (value === undefined || value === "") {
        warnings.push(
          `secret ${qualified}: the environment variable ${envName} is not set, so the secret keeps its current value ` +
            "(the placeholder, on a first deploy)",
        );
        continue;
      }
      // The value can only travel inlined: Snowflake takes no bind variables in DDL ("If you send a DDL
      // statement for preparation ... Snowflake just executes the statement without preparing it",
      // https://docs.snowflake.com/en/user-guide/sql-prepare.html; snowflake-connector-python#1293,
      // snowflake-connector-nodejs#387). So it goes out once, as a statement of its own that always parses
      // (the value escaped as a Snowflake string literal): query history redacts the sensitive values of a
      // syntactically valid statement, and shows the text of one that fails to parse only to its author
      // (https://docs.snowflake.com/en/release-notes/bcr-bundles/2023_01/bcr-936). Never wrapped in a procedure
      // or EXECUTE IMMEDIATE, whose child statements are recorded with their text. snowflake-sdk sends one
      // statement per request, so the literal cannot carry a second one either. Nothing gen prints shows the
      // value: `display` masks it, and the redactor below removes it, raw or escaped, from errors and --json.
      const literal = snowflakeString(value);
      secretValues.push(value, literal.slice(1, -1));
      const head = `ALTER SECRET ${qualified} SET SECRET_STRING = `;
      statements.push({
        sql: head + literal,
        display: head + "'***'",
        file: st.file,
        line: st.line,
      });
    }
  }
  return { statements, secretValues, warnings };
}

/** The setup files of a spec (compiled for snowflake, in memory) or of a generated project directory. */
export function loadSetupFiles(source: string): SetupFile[] {
  if (!existsSync(source))
    throw new GenError("deploy-source", `${source} does not exist`, { exitCode: ExitCode.usage });
  if (statSync(source).isDirectory()) {
    const dir = join(source, "snowflake");
    if (!existsSync(dir))
      throw new GenError("deploy-source", `${source} has no snowflake/ directory`, {
        exitCode: ExitCode.usage,
        hint: "build it with `gen build <spec> --target snowflake` (or all), or pass the spec itself",
      });
    return readdirSync(dir)
      .filter((f) => f.endsWith(".sql"))
      .sort()
      .map((f) => ({ path: `snowflake/${f}`, content: readFileSync(join(dir, f), "utf8") }));
  }
  return compileForSnowflake(source).files.filter(
    (f) => f.path.startsWith("snowflake/") && f.path.endsWith(".sql"),
  );
}

interface DeployResult {
  ok: boolean;
  dry_run: boolean;
  statements: { file: string; line: number; statement: string; ok: boolean; ms?: number; error?: string }[];
  warnings: string[];
}

export interface DeployOptions {
  /** print the statements, connect to nothing */
  dryRun: boolean;
  /** [NAME] of connections.toml; else the SNOWFLAKE_* variables */
  connection?: string;
  json: boolean;
}

/** Applies the setup SQL of a spec or project directory (or prints it, dry run); the exit code. */
export async function deployProject(
  source: string,
  options: DeployOptions,
  term: Term,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let plan: DeployPlan;
  try {
    plan = planDeploy(loadSetupFiles(source), env);
  } catch (e) {
    if (e instanceof SqlSplitError)
      throw new GenError("deploy-sql", e.message, { exitCode: ExitCode.specProblems });
    throw e;
  }
  const redact = redactor(plan.secretValues);
  const total = plan.statements.length;
  const result: DeployResult = {
    ok: true,
    dry_run: options.dryRun,
    statements: [],
    warnings: plan.warnings,
  };
  const say = (line: string) => term.err(redact(line));
  for (const w of plan.warnings)
    say(formatDiagnostic({ severity: "warning", code: "deploy", message: w }, term.paint));

  if (options.dryRun) {
    for (const [i, st] of plan.statements.entries()) {
      result.statements.push({ file: st.file, line: st.line, statement: st.display, ok: true });
      if (!options.json) term.out(redact(`-- [${i + 1}/${total}] ${st.file}:${st.line}\n${st.display};\n`));
    }
    if (options.json) term.out(redact(JSON.stringify(result, null, 2)));
    else say(`${term.paint("ok", "dry run")}: ${total} statements, nothing sent`);
    return ExitCode.ok;
  }

  const choice = connectionFromEnv(env, options.connection);
  let connection: Awaited<ReturnType<typeof createConnection>>;
  try {
    connection = await createConnection(choice, options.connection);
  } catch (e) {
    throw new GenError(
      "deploy-connection",
      `cannot configure the Snowflake connection from ${choice.source}: ${redact(describeError(e))}`,
      { exitCode: ExitCode.usage },
    );
  }
  try {
    try {
      await connectAsync(connection);
    } catch (e) {
      say(
        term.paint(
          "error",
          `gen deploy: cannot connect to Snowflake (${choice.source}): ${describeError(e)}`,
        ),
      );
      result.ok = false;
      if (options.json) term.out(redact(JSON.stringify(result, null, 2)));
      return DEPLOY_FAILED;
    }
    say(`connected (${choice.source}); applying ${total} statements`);
    for (const [i, st] of plan.statements.entries()) {
      const started = performance.now();
      const where = `[${i + 1}/${total}] ${st.file}:${st.line}`;
      try {
        await executeAsync(connection, st.sql);
      } catch (e) {
        const error = redact(describeError(e));
        result.ok = false;
        result.statements.push({ file: st.file, line: st.line, statement: st.display, ok: false, error });
        say(term.paint("error", `${where} failed: ${error}`));
        say(`statement:\n${st.display}`);
        say(
          term.paint(
            "error",
            `gen deploy stopped at statement ${i + 1} of ${total}; the statements before it were applied`,
          ),
        );
        if (options.json) term.out(redact(JSON.stringify(result, null, 2)));
        return DEPLOY_FAILED;
      }
      const ms = Math.round(performance.now() - started);
      result.statements.push({ file: st.file, line: st.line, statement: st.display, ok: true, ms });
      if (!options.json) say(`${where}  ${statementLabel(st.display)}  ${term.paint("ok", "ok")} (${ms} ms)`);
    }
    if (options.json) term.out(redact(JSON.stringify(result, null, 2)));
    else say(`${term.paint("ok", "deployed")}: ${total} statements applied`);
    return ExitCode.ok;
  } finally {
    await destroyAsync(connection);
  }
}
