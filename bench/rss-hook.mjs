// Preloaded with `node --import ./bench/rss-hook.mjs bin/gen.js ...`: at exit, writes the process's peak
// resident set size (bytes) to the file named by GEN_BENCH_RSS_FILE. Costs nothing measurable.
import { writeFileSync } from "node:fs";
import process from "node:process";

const file = process.env.GEN_BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
