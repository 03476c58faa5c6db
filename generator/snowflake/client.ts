/**
 * The Snowflake connection of the commands that talk to Snowflake (gen deploy, gen sync): settings from
 * `--connection NAME`, SNOWFLAKE_* environment variables or connections.toml, and promise wrappers around
 * snowflake-sdk. The driver logs nothing: a log line could carry statement text, so a secret.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Connection, ConnectionOptions } from "snowflake-sdk";
import { ExitCode, GenError } from "../errors.ts";

export interface ConnectionChoice {
  /** options for snowflake.createConnection; undefined = let the driver read connections.toml */
  options: ConnectionOptions | undefined;
  /** where the settings came from, for messages */
  source: string;
}

/** Connection settings: `--connection NAME` > SNOWFLAKE_* environment variables > connections.toml default. */
export function connectionFromEnv(env: NodeJS.ProcessEnv, connectionName?: string): ConnectionChoice {
  const tomlDir = env.SNOWFLAKE_HOME || join(homedir(), ".snowflake");
  const toml = join(tomlDir, "connections.toml");
  if (connectionName === undefined && env.SNOWFLAKE_ACCOUNT) {
    const options: Record<string, unknown> = { account: env.SNOWFLAKE_ACCOUNT, application: "gen" };
    const set = (key: string, name: string) => {
      if (env[name]) options[key] = env[name];
    };
    set("username", "SNOWFLAKE_USER");
    set("password", "SNOWFLAKE_PASSWORD");
    set("authenticator", "SNOWFLAKE_AUTHENTICATOR");
    set("privateKeyPath", "SNOWFLAKE_PRIVATE_KEY_PATH");
    set("privateKeyPass", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE");
    set("role", "SNOWFLAKE_ROLE");
    set("warehouse", "SNOWFLAKE_WAREHOUSE");
    set("database", "SNOWFLAKE_DATABASE");
    set("schema", "SNOWFLAKE_SCHEMA");
    if (env.SNOWFLAKE_HOST) {
      const protocol = env.SNOWFLAKE_PROTOCOL || "https";
      options.accessUrl = `${protocol}://${env.SNOWFLAKE_HOST}${env.SNOWFLAKE_PORT ? ":" + env.SNOWFLAKE_PORT : ""}`;
    }
    return { options: options as ConnectionOptions, source: "SNOWFLAKE_* environment variables" };
  }
  if (!existsSync(toml))
    throw new GenError("snowflake-connection", "no Snowflake connection configured", {
      exitCode: ExitCode.usage,
      hint: `set SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and SNOWFLAKE_PASSWORD, or create ${toml}`,
    });
  const name = connectionName ?? env.SNOWFLAKE_DEFAULT_CONNECTION_NAME ?? "default";
  return { options: undefined, source: `[${name}] of ${toml}` };
}

type Sdk = typeof import("snowflake-sdk");

async function loadSdk(): Promise<Sdk> {
  // The AWS SDK inside snowflake-sdk warns about Node versions on stderr; it is not gen's concern.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const mod = (await import("snowflake-sdk")) as Sdk & { default?: Sdk };
  const sdk = mod.default ?? mod;
  // The driver logs nothing (a log could carry statement text, so a secret); errors reach us as values.
  sdk.configure({ logLevel: "OFF", additionalLogToConsole: false } as Parameters<Sdk["configure"]>[0]);
  return sdk;
}

/** A connection (not yet connected) from the chosen settings; with connections.toml the driver reads it. */
export async function createConnection(
  choice: ConnectionChoice,
  connectionName?: string,
): Promise<Connection> {
  const sdk = await loadSdk();
  if (choice.options) return sdk.createConnection(choice.options);
  // the driver takes the connection's name from this variable
  const previousName = process.env.SNOWFLAKE_DEFAULT_CONNECTION_NAME;
  try {
    if (connectionName !== undefined) process.env.SNOWFLAKE_DEFAULT_CONNECTION_NAME = connectionName;
    return sdk.createConnection();
  } finally {
    if (connectionName !== undefined) {
      if (previousName === undefined) delete process.env.SNOWFLAKE_DEFAULT_CONNECTION_NAME;
      else process.env.SNOWFLAKE_DEFAULT_CONNECTION_NAME = previousName;
    }
  }
}

export function connectAsync(connection: Connection): Promise<void> {
  return new Promise((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve())));
}

/** Runs one statement; `binds` fill its `?` placeholders. Resolves with the rows (none for DDL). */
export function executeAsync(
  connection: Connection,
  sqlText: string,
  binds?: (string | number | boolean | null)[],
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) =>
    connection.execute({
      sqlText,
      ...(binds ? { binds: binds as never } : {}),
      complete: (err, _stmt, rows) =>
        err ? reject(err) : resolve((rows ?? []) as Record<string, unknown>[]),
    }),
  );
}

export function destroyAsync(connection: Connection): Promise<void> {
  return new Promise((resolve) => connection.destroy(() => resolve()));
}

export function describeError(e: unknown): string {
  const err = e as { code?: string | number; sqlState?: string; message?: string };
  const message = err.message ?? String(e);
  const code = err.code !== undefined ? `${err.code}${err.sqlState ? ` (${err.sqlState})` : ""}: ` : "";
  return message.startsWith(code) ? message : code + message;
}
