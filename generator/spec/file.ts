/**
 * Reading a spec file: the one way every command (build, validate, watch, deploy, ...) reads one.
 * Reads only a regular file of at most SPEC_LIMITS.maxBytes, and never blocks: a FIFO, a device
 * such as /dev/zero or a directory is refused from its type, before and after it is opened.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { ExitCode, GenError } from "../errors.ts";
import { SPEC_LIMITS, specTooLarge } from "./load.ts";

/** Thrown for a spec file that does not exist (watch tells a deleted spec from an unreadable one). */
export const SPEC_NOT_FOUND = "spec-not-found";

const CHUNK_BYTES = 64 * 1024;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function notAFile(path: string, stats: Stats): GenError {
  return new GenError("spec-not-a-file", `${path} is ${kindOf(stats)}, not a spec file`, {
    hint: "pass the path of a YAML spec file, such as specs/policy.yaml",
  });
}

function unreadable(path: string, e: unknown): GenError {
  const code = (e as NodeJS.ErrnoException).code;
  return new GenError(
    code === "ENOENT" ? SPEC_NOT_FOUND : "spec-unreadable",
    `cannot read ${path}: ${code ?? (e as Error).message}`,
    { exitCode: ExitCode.usage },
  );
}

function tooLarge(path: string, bytes: number | undefined): GenError {
  const d = specTooLarge(bytes);
  return new GenError(d.code, `${path}: ${d.message}`, { hint: d.hint });
}

/** The text of the spec file at `path` (UTF-8), or a GenError saying why it cannot be read. */
export function readSpecFile(path: string): string {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    throw unreadable(path, e);
  }
  // Opening a FIFO for reading waits for a writer, and a device may act on being opened.
  if (!stats.isFile()) throw notAFile(path, stats);
  if (stats.size > SPEC_LIMITS.maxBytes) throw tooLarge(path, stats.size);
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, open returns at once.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw unreadable(path, e);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw notAFile(path, opened);
    // The file may grow after the stat: read at most one byte past the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, SPEC_LIMITS.maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > SPEC_LIMITS.maxBytes) throw tooLarge(path, undefined);
    }
    return Buffer.concat(chunks, total).toString("utf8");
  } catch (e) {
    if (e instanceof GenError) throw e;
    throw unreadable(path, e);
  } finally {
    closeSync(fd);
  }
}
