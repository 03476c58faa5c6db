// Bundles the TypeScript CLI into plain-JavaScript modules, so that `gen` starts without compiling
// TypeScript on every run. Runs on `npm ci` / `npm install` (prepare).
// bin/gen.js uses the bundle only while it is newer than every source file, else falls back to tsx.
import { build } from "esbuild";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { basename } from "node:path";

const OUT_DIR = "dist/bundle"; // two levels down, like generator/<module>/: relative paths resolve alike

// Bundled in: plain JavaScript that most commands load (the spec is YAML checked by zod). As one module they
// load some 30 ms faster than as the ~100 files Node would resolve and compile one by one.
const INLINED = ["zod", "js-yaml"];
// npm runs this from the repository root: every path here is relative to it
const { dependencies } = JSON.parse(readFileSync("package.json", "utf8"));

const result = await build({
  entryPoints: { gen: "generator/cli.ts" },
  outdir: OUT_DIR,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  // each command's module is a chunk of its own, loaded when the command runs (generator/commands/index.ts)
  splitting: true,
  chunkNames: "[name]-[hash]",
  // the other packages stay in node_modules: loaded (lazily, most of them) as they are
  external: Object.keys(dependencies).filter((name) => !INLINED.includes(name)),
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
});

// chunks of an earlier build (their names change with their content) are not left behind
const written = new Set(Object.keys(result.metafile.outputs).map((path) => basename(path)));
for (const name of readdirSync(OUT_DIR)) if (!written.has(name)) rmSync(`${OUT_DIR}/${name}`);
