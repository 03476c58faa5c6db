/**
 * `npm run bench`: build, dbt parse and watch figures in one run.
 *   (a) wall time of `gen build` (a new process, as a user runs it) for specs of 1, 50 and 500 workflows,
 *       into a new output directory (cold) and again with nothing to change (warm); in-process stage times
 *   (b) `dbt parse --no-partial-parse` of the same outputs, and build/parse
 *   (c) gen watch latency, from writing the spec to the output file written, over 50 edits (50 workflows)
 *   (d) peak RSS of the build process
 * Figures on a shared machine vary with its load; the load average is printed with them.
 */
import { execa } from "execa";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { findDbt, GEN_HOME, runDbt, VENV_DIR } from "../generator/dbt/index.ts";
import { buildPlan } from "../generator/plan/index.ts";
import { render } from "../generator/render/index.ts";
import { parseSpec } from "../generator/spec/index.ts";
import { startWatch, type RebuildEvent } from "../generator/watch/index.ts";
import { writeOutput } from "../generator/write/index.ts";
import { specYaml } from "./spec.ts";

const SIZES = [1, 50, 500];
const RUNS = 3;
const EDITS = 50;
const GEN = join(GEN_HOME, "bin", "gen.js");
const RSS_HOOK = join(GEN_HOME, "bench", "rss-hook.mjs");

const work = mkdtempSync(join(tmpdir(), "gen-bench-"));
const say = (line = "") => process.stdout.write(line + "\n");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const ms = (x: number) => `${Math.round(x)} ms`;
const pad = (s: string | number, n: number) => String(s).padStart(n);
const load = () => loadavg()[0]?.toFixed(2) ?? "?";

interface BuildRun {
  ms: number;
  rss: number;
}

async function genBuild(spec: string, out: string): Promise<BuildRun> {
  const rssFile = join(work, "rss");
  const started = performance.now();
  const r = await execa("node", ["--import", RSS_HOOK, GEN, "build", spec, "-o", out], {
    reject: false,
    env: { NO_COLOR: "1", GEN_BENCH_RSS_FILE: rssFile },
  });
  const elapsed = performance.now() - started;
  if (r.exitCode !== 0) throw new Error(`gen build ${spec} failed:\n${r.stderr}`);
  return { ms: elapsed, rss: Number(readFileSync(rssFile, "utf8")) };
}

function dbtVersion(): string {
  try {
    const lib = readdirSync(join(VENV_DIR, "lib")).find((d) => d.startsWith("python"));
    const site = join(VENV_DIR, "lib", lib ?? "", "site-packages");
    const v = (name: string) =>
      readdirSync(site)
        .find((d) => d.startsWith(name + "-") && d.endsWith(".dist-info"))
        ?.slice(name.length + 1, -".dist-info".length);
    return `dbt-core ${v("dbt_core") ?? "?"}, dbt-duckdb ${v("dbt_duckdb") ?? "?"}`;
  } catch {
    return "dbt from PATH";
  }
}

/**
 * parse / plan / render / write of one spec in this process (warm JIT: the second of two runs). Each
 * run writes to a directory of its own: deleting thousands of files just before a cold write slows the
 * write down on this kind of disk, which is not what a user's build meets. Everything goes at the end.
 */
function stages(text: string, outBase: string): Record<string, number> {
  let result: Record<string, number> = {};
  for (let round = 0; round < 2; round++) {
    const out = `${outBase}_${round}`;
    const t0 = performance.now();
    const { spec } = parseSpec(text, "bench.yaml");
    if (!spec) throw new Error("bench spec does not validate");
    const t1 = performance.now();
    const plan = buildPlan(spec);
    const t2 = performance.now();
    const files = render(plan);
    const t3 = performance.now();
    writeOutput(out, files);
    const t4 = performance.now();
    writeOutput(out, files);
    const t5 = performance.now();
    result = { parse: t1 - t0, plan: t2 - t1, render: t3 - t2, writeCold: t4 - t3, writeWarm: t5 - t4 };
  }
  return result;
}

interface WatchSample {
  latency: number;
  rebuild: number;
  parse: number;
  plan: number;
  render: number;
  write: number;
}

async function watchLatency(): Promise<WatchSample[]> {
  const dir = join(work, "watch");
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, "bench.yaml");
  const out = join(dir, "out");
  const variants: Record<number, number> = {};
  writeFileSync(spec, specYaml(50, { project: "bench_watch" }));
  const watcher = await startWatch({ inputs: [spec], out, cwd: dir });
  const samples: WatchSample[] = [];
  try {
    for (let i = 0; i < EDITS; i++) {
      const wf = (i * 7) % 50;
      variants[wf] = (variants[wf] ?? 0) + 1;
      const text = specYaml(50, { project: "bench_watch", variants: { ...variants } });
      const target = `macros/workflows/wf_${String(wf).padStart(4, "0")}/wf_${String(wf).padStart(4, "0")}__definition.sql`;
      const written = new Promise<{ at: number; e: RebuildEvent }>((done, fail) => {
        const timeout = setTimeout(() => fail(new Error(`edit ${i}: no rebuild within 10 s`)), 10_000);
        const on = (e: RebuildEvent) => {
          if (!e.specs.some((b) => b.written.includes(target))) return;
          clearTimeout(timeout);
          watcher.off("rebuild", on);
          done({ at: performance.now(), e });
        };
        watcher.on("rebuild", on);
      });
      const saved = performance.now();
      writeFileSync(spec, text);
      const { at, e } = await written;
      const t = e.specs[0]?.timings;
      samples.push({
        latency: at - saved,
        rebuild: e.ms,
        parse: t?.parse ?? NaN,
        plan: t?.plan ?? NaN,
        render: t?.render ?? NaN,
        write: t?.write ?? NaN,
      });
      if (!readFileSync(join(out, target), "utf8").includes(`variant ${variants[wf]}`))
        throw new Error(`edit ${i}: ${target} does not have the edit`);
      // a person saves at most a few times a second; chokidar also merges changes within 50 ms
      await new Promise((r) => setTimeout(r, 100 + (i % 5) * 20));
    }
  } finally {
    await watcher.close();
  }
  return samples;
}

function printWatch(samples: WatchSample[]): number[] {
  const lat = samples.map((x) => x.latency);
  const med = (k: keyof WatchSample) => ms(median(samples.map((x) => x[k])));
  say(`(c) gen watch, saved edit -> file written (${EDITS} edits of one workflow each, 50-workflow spec)`);
  say(
    `    p50 ${ms(percentile(lat, 50))}, p95 ${ms(percentile(lat, 95))}, min ${ms(Math.min(...lat))}, max ${ms(Math.max(...lat))}`,
  );
  say(
    `    medians: file event + 20 ms debounce ${ms(median(samples.map((x) => x.latency - x.rebuild)))}, parse ${med("parse")}, plan ${med("plan")}, render ${med("render")} (cached), write ${med("write")}`,
  );
  say();
  return lat;
}

/** `npm run bench -- --watch-only` runs (c) alone. */
async function main(): Promise<void> {
  const cpu = cpus();
  say(
    `gen benchmark: node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? "?"}), ${dbtVersion()}, load average ${load()} at start`,
  );
  say();
  if (process.argv.includes("--watch-only")) {
    printWatch(await watchLatency());
    return;
  }

  const specs = new Map<number, string>();
  for (const n of SIZES) {
    const p = join(work, `spec_${n}.yaml`);
    writeFileSync(p, specYaml(n));
    specs.set(n, p);
  }

  // (a) + (d)
  say(
    `(a) gen build, median of ${RUNS} runs; cold = into a new directory, warm = again, every file unchanged`,
  );
  say(
    `    process = wall time of \`node bin/gen.js build\` (start-up included); in-process = parse + plan +`,
  );
  say(`    render + write, measured inside one process; (d) peak RSS of the build process`);
  say(`    workflows  files   process cold  process warm  in-process cold  in-process warm  peak RSS`);
  const builds = new Map<number, { cold: number; warm: number; rss: number; files: number; out: string }>();
  const inProcess = new Map<number, Record<string, number>>();
  for (const n of SIZES) {
    const cold: number[] = [];
    const warm: number[] = [];
    const rss: number[] = [];
    let out = "";
    for (let r = 0; r < RUNS; r++) {
      out = join(work, `out_${n}_${r}`);
      const c = await genBuild(specs.get(n) ?? "", out);
      const w = await genBuild(specs.get(n) ?? "", out);
      cold.push(c.ms);
      warm.push(w.ms);
      rss.push(c.rss, w.rss);
    }
    const manifest = JSON.parse(readFileSync(join(out, ".gen-manifest.json"), "utf8")) as { files: object };
    const files = Object.keys(manifest.files).length;
    const b = { cold: median(cold), warm: median(warm), rss: Math.max(...rss), files, out };
    builds.set(n, b);
    const st = stages(readFileSync(specs.get(n) ?? "", "utf8"), join(work, `stages_${n}`));
    inProcess.set(n, st);
    const compile = (st.parse ?? 0) + (st.plan ?? 0) + (st.render ?? 0);
    say(
      `    ${pad(n, 9)}  ${pad(files, 5)}  ${pad(ms(b.cold), 12)}  ${pad(ms(b.warm), 12)}  ${pad(ms(compile + (st.writeCold ?? 0)), 15)}  ${pad(ms(compile + (st.writeWarm ?? 0)), 15)}  ${pad((b.rss / 2 ** 20).toFixed(0), 5)} MB`,
    );
  }
  const startup = await (async () => {
    const t: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      await execa("node", [GEN, "--version"]);
      t.push(performance.now() - s);
    }
    return median(t);
  })();
  const st = inProcess.get(500) ?? {};
  say(`    process start-up alone (\`gen --version\`: node, tsx, imports): ${ms(startup)}`);
  say(
    `    500 workflows in-process: parse ${ms(st.parse ?? NaN)}, plan ${ms(st.plan ?? NaN)}, render ${ms(st.render ?? NaN)}, write ${ms(st.writeCold ?? NaN)} cold / ${ms(st.writeWarm ?? NaN)} warm`,
  );
  say();

  // (b)
  let parse = new Map<number, number>();
  try {
    findDbt();
    say(`(b) dbt parse --no-partial-parse of the same outputs (one run each; gen's .venv dbt)`);
    say(`    workflows   dbt parse   build/parse cold   build/parse warm`);
    for (const n of SIZES) {
      const b = builds.get(n);
      if (!b) continue;
      const r = await runDbt(b.out, ["parse", "--no-partial-parse"], { env: { DBT_USE_COLORS: "false" } });
      if (r.exitCode !== 0) throw new Error(`dbt parse of ${n} workflows failed:\n${r.output.slice(-2000)}`);
      parse.set(n, r.elapsedMs);
      say(
        `    ${pad(n, 9)}   ${pad(ms(r.elapsedMs), 9)}   ${pad(((100 * b.cold) / r.elapsedMs).toFixed(1) + " %", 16)}   ${pad(((100 * b.warm) / r.elapsedMs).toFixed(1) + " %", 16)}`,
      );
    }
  } catch (e) {
    parse = new Map();
    say(`(b) dbt parse: skipped (${(e as Error).message.split("\n")[0]}); run \`npm run setup\` first`);
  }
  say();

  // (c)
  const samples = await watchLatency();
  const lat = printWatch(samples);

  // targets
  const mark = (ok: boolean) => (ok ? "met" : "MISSED");
  const b500 = builds.get(500);
  const i500 = inProcess.get(500) ?? {};
  const compile500 = (i500.parse ?? 0) + (i500.plan ?? 0) + (i500.render ?? 0);
  say(`targets (load average ${load()} at the end):`);
  if (b500) {
    const cold = compile500 + (i500.writeCold ?? 0);
    const warm = compile500 + (i500.writeWarm ?? 0);
    say(
      `    500-workflow build < 1 s:   process cold ${ms(b500.cold)} ${mark(b500.cold < 1000)}, warm ${ms(b500.warm)} ${mark(b500.warm < 1000)}; in-process cold ${ms(cold)} ${mark(cold < 1000)}, warm ${ms(warm)} ${mark(warm < 1000)}`,
    );
  }
  if (parse.size > 0) {
    const ratio = (pick: "cold" | "warm") =>
      Math.max(...SIZES.map((n) => (builds.get(n)?.[pick] ?? NaN) / (parse.get(n) ?? NaN)));
    say(
      `    build < 10% of dbt parse:   worst size: cold ${(100 * ratio("cold")).toFixed(1)} % ${mark(ratio("cold") < 0.1)}, warm ${(100 * ratio("warm")).toFixed(1)} % ${mark(ratio("warm") < 0.1)}`,
    );
  }
  say(`    watch p95 < 100 ms:         ${ms(percentile(lat, 95))} ${mark(percentile(lat, 95) < 100)}`);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
