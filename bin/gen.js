#!/usr/bin/env node
// Launcher: the esbuild bundle (npm run bundle, also run on install) when it is up to date, else the
// TypeScript sources through tsx, so that an edited source is never shadowed by an old bundle.
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = new URL("../dist/bundle/gen.mjs", import.meta.url);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsCurrent() {
  if (process.env.GEN_NO_BUNDLE) return false;
  try {
    return statSync(bundle).mtimeMs >= newestSource(fileURLToPath(new URL("../generator", import.meta.url)));
  } catch {
    return false;
  }
}

let main;
if (bundleIsCurrent()) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../generator/cli.ts"));
}
process.exitCode = await main(process.argv.slice(2));
