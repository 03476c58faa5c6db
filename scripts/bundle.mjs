// Bundles the TypeScript CLI into one plain-JavaScript module (npm packages stay external), so that
// `gen` starts without compiling TypeScript on every run. Runs on `npm ci` / `npm install` (prepare).
// bin/gen.js uses the bundle only while it is newer than every source file, else falls back to tsx.
import { build } from "esbuild";

await build({
  entryPoints: ["generator/cli.ts"],
  outfile: "dist/bundle/gen.mjs", // two levels down, like generator/<module>/: relative paths resolve alike
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
