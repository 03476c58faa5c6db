#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so that no build step is needed.
import { register } from "tsx/esm/api";
register();
const { main } = await import("../generator/cli.ts");
process.exitCode = await main(process.argv.slice(2));
