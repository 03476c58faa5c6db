// Bundles the TypeScript CLI into one plain-JavaScript module, so that `gen` starts without compiling
// TypeScript on every run. Runs on `npm ci` / `npm install` (prepare).
// bin/gen.js uses the bundle only while it is newer than every source file, else falls back to tsx.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

// Bundled in: plain JavaScript that every command loads (the spec is YAML checked by zod). As one module they
// load some 30 ms faster than as the ~100 files Node would resolve and compile one by one.
const INLINED = ["zod", "js-yaml"];
const { dependencies } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

await build({
  entryPoints: ["generator/cli.ts"],
  outfile: "dist/bundle/gen.mjs", // two levels down, like generator/<module>/: relative paths resolve alike
  bundle: true,
  // the other packages stay in node_modules: loaded (lazily, most of them) as they are
  external: Object.keys(dependencies).filter((name) => !INLINED.includes(name)),
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
