/**
 * Generated names and connection URLs against their real consumers:
 * - the names gen reserves (dbt's macros and context, gen's own tables, folders and macros) are the ones the
 *   installed dbt and the templates really have;
 * - a spec with names next to every collision validates and `dbt parse` accepts its project, while the
 *   colliding specs (test/fixtures/bad-specs/hostile-name-collision--*) break dbt when the rule is bypassed;
 * - every base URL the spec parser accepts names the same host and port for Python's urllib (what the HTTP
 *   primitive connects to), for WHATWG URL, and for the network rule (plan's hostPort).
 */
import { execa } from "execa";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDbt } from "../../generator/dbt/index.ts";
import { formatDiagnostic } from "../../generator/errors.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import { buildPlan, hostPort, OUTPUTS } from "../../generator/plan/index.ts";
import { render, RUNTIME_DIR, TEMPLATE_DIR } from "../../generator/render/index.ts";
import { parseSpec } from "../../generator/spec/index.ts";
import { DBT_RESERVED_MACRO_NAMES } from "../../generator/spec/dbt-reserved-names.ts";
import { loadYaml } from "../../generator/spec/load.ts";
import {
  GEN_OWN_MACROS,
  GEN_OWN_MODEL_FOLDERS,
  GEN_OWN_RELATIONS,
  RESERVED_RESULT_COLUMNS,
  WORKFLOW_NAMES,
} from "../../generator/spec/names.ts";
import { specSchema, validateSchema } from "../../generator/spec/schema.ts";
import { parseHttpUrl } from "../../generator/spec/url.ts";
import { writeOutput } from "../../generator/write/index.ts";
import { PYTHON, requireVenv } from "../integration/harness.ts";
import { removeTempDirs, ROOT, tempDir } from "../snowflake/helpers.ts";

afterAll(removeTempDirs);

const BAD_SPECS = join(ROOT, "test", "fixtures", "bad-specs");
/** The output paths of the templates and runtime files (per-workflow ones with the placeholder). */
const templates = OUTPUTS.map((o) => o.path);
const templateText = (path: string) => {
  const o = OUTPUTS.find((o) => o.path === path);
  if (!o) throw new Error(`not an output: ${path}`);
  return readFileSync(join(o.source === "runtime" ? RUNTIME_DIR : TEMPLATE_DIR, o.from), "utf8");
};

/** "auto_restart" / "sync" / "always": when gen writes this file. */
const featureOf = (path: string) => {
  const features: readonly string[] = OUTPUTS.find((o) => o.path === path)?.features ?? [];
  return features.includes("auto_restart") ? "auto_restart" : features.includes("sync") ? "sync" : "always";
};

describe("the names gen reserves are the names its consumers use", () => {
  it("every macro name of the installed dbt (and its context) is in the committed list", async () => {
    requireVenv();
    const r = await execa(PYTHON, [join(ROOT, "scripts", "dbt-reserved-names.py")], {
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    const current = [...r.stdout.matchAll(/^ {2}"([a-z0-9_]+)",$/gm)].map((m) => m[1] as string);
    expect(current.length).toBeGreaterThan(300);
    expect(current).toContain("run_hooks");
    expect(current).toContain("run_started_at");
    const missing = current.filter((n) => !DBT_RESERVED_MACRO_NAMES.has(n));
    expect(
      missing,
      "regenerate: .venv/bin/python scripts/dbt-reserved-names.py > generator/spec/dbt-reserved-names.ts",
    ).toEqual([]);
  });

  it("gen's own tables and views are the ones its runtime and models create", () => {
    const found = new Map<string, string>();
    for (const t of templates) {
      if (t.includes("__workflow__")) continue;
      for (const m of templateText(t).matchAll(/gen_relation\('([a-z_0-9]+)'\)/g))
        found.set(m[1] as string, featureOf(t));
      const model = /^models\/[^/]+\/([a-z_0-9]+)\.sql$/.exec(t);
      if (model) found.set(model[1] as string, featureOf(t));
    }
    // the auto-restart log tables are named by the spec (auto_restart.run_log_table, model_log_table): their defaults
    const { auto_restart } = specSchema.parse({
      version: 1,
      project: { name: "p" },
      auto_restart: {},
    });
    for (const name of [auto_restart?.run_log_table, auto_restart?.model_log_table])
      if (name !== undefined) found.set(name, "auto_restart");
    expect(new Map(GEN_OWN_RELATIONS.map((r) => [r.name, r.when]))).toEqual(found);
  });

  it("gen's own model folders are the ones of the templates", () => {
    const folders = new Map<string, string>();
    for (const t of templates) {
      const m = /^models\/([^/]+)\//.exec(t);
      if (m && m[1] !== "__workflow__") folders.set(m[1] as string, featureOf(t));
    }
    expect(new Map(GEN_OWN_MODEL_FOLDERS.map((f) => [f.name, f.when]))).toEqual(folders);
  });

  it("every macro of gen's runtime that a workflow could generate is reserved", () => {
    const macros = templates
      .filter((t) => !t.includes("__workflow__"))
      .flatMap((t) =>
        [...templateText(t).matchAll(/\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map(
          (m) => m[1] as string,
        ),
      );
    expect(macros.length).toBeGreaterThan(30);
    // a pattern `prefix<workflow>suffix` generates `name` when the middle is a possible workflow name
    const generatable = (name: string) =>
      // only macros: dbt keeps models and macros apart (gen_mark_stuck_executions may be both)
      Object.values(WORKFLOW_NAMES).some((n) => {
        if (n.kind !== "macro") return false;
        const [prefix = "", suffix = ""] = n.make("\u0000").split("\u0000");
        const middle = name.slice(prefix.length, name.length - suffix.length);
        return name.startsWith(prefix) && name.endsWith(suffix) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(middle);
      });
    const reachable = macros.filter(generatable).sort();
    expect(reachable).toEqual([...GEN_OWN_MACROS].sort());
  });

  it("the reserved result columns are the stateless model's columns", () => {
    const { plan } = compileSpec(readFileSync(join(ROOT, "specs", "policy.yaml"), "utf8"), "policy.yaml");
    const wf = plan!.workflows.find((w) => w.stateless)!;
    const outputs = new Set(wf.definition.output_columns);
    expect(wf.resultColumns.map((c) => c.name).filter((c) => !outputs.has(c))).toEqual([
      ...RESERVED_RESULT_COLUMNS,
    ]);
  });
});

/** Every name next to a collision, and legal: it validates, and dbt accepts the project. */
const NEAR_COLLISIONS = `version: 1
project: { name: near_collisions, targets: [duckdb] }
connections:
  api: { base_url: "http://127.0.0.1:8787" }
workflows:
  - name: queries
    steps:
      - name: fetch
        request: { connection: api, path: /q }
        outputs: { http_call: $.calls, workflow_state: $.state, elapsed: $.ms }
  - name: hook
    modes: [stateless]
    steps:
      - name: fetch
        request: { connection: api, path: /h }
        outputs: { response: $.r, execution_time: $.t }
  - name: started
    steps:
      - name: fetch
        request: { connection: api, path: /s }
  - name: stateful_a
    steps:
      - name: fetch
        request: { connection: api, path: /a }
  - name: b_success_rate_24h
    state: { table: gen_sync_queue_copy, attempt_log_table: dbt_run_logs }
    steps:
      - name: fetch
        request: { connection: api, path: /b }
  - name: sync_jobs
    state: { table: stateful_a_state_copy, attempt_log_table: gen_restart_plans }
    steps:
      - name: fetch
        request: { connection: api, path: /j }
  - name: auto_restarts
    modes: [stateful]
    steps:
      - name: fetch
        request: { connection: api, path: /r }
        outputs: { http_calls: $.calls }
auto_restart: {}
sync: {}
`;

/** The project of a spec that passed the schema only: what gen would write without the name rules. */
function buildWithoutRules(text: string): string {
  const loaded = loadYaml(text, "spec.yaml");
  const { spec } = validateSchema(loaded.data, loaded.source);
  if (!spec) throw new Error("the spec does not match the schema");
  const dir = tempDir("gen-names-");
  writeOutput(dir, render(buildPlan(spec)));
  return dir;
}

describe("names next to a collision build a project dbt parses; colliding names would not", () => {
  it(
    "a spec with names next to every collision validates and dbt parse succeeds",
    { timeout: 180_000 },
    async () => {
      requireVenv();
      const compiled = compileSpec(NEAR_COLLISIONS, "near.yaml");
      expect(compiled.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
      const dir = tempDir("gen-names-");
      writeOutput(dir, compiled.files!);
      const r = await runDbt(dir, ["parse", "--no-partial-parse"]);
      expect(r.exitCode, r.output).toBe(0);
      const manifest = JSON.parse(readFileSync(join(dir, "target", "manifest.json"), "utf8")) as {
        macros: Record<string, unknown>;
        nodes: Record<string, { resource_type: string; name: string }>;
      };
      const models = new Set(
        Object.values(manifest.nodes)
          .filter((n) => n.resource_type === "model")
          .map((n) => n.name),
      );
      for (const wf of compiled.plan!.workflows) {
        expect(manifest.macros).toHaveProperty(`macro.near_collisions.${wf.names.runOperation}`);
        if (wf.stateful) expect(models).toContain(wf.names.successRateModel);
        if (wf.stateless) expect(models).toContain(wf.names.statelessModel);
      }
      expect(models).toContain("gen_sync_failures");
      expect(models).toContain("gen_restart_plan");
    },
  );

  it("the colliding specs are refused at validate", () => {
    const colliding = readdirSync(BAD_SPECS).filter((f) =>
      /^hostile-(name|table|column)-collision--.*\.yaml$/.test(f),
    );
    expect(colliding.length).toBeGreaterThanOrEqual(7);
    for (const f of colliding) {
      const { spec, diagnostics } = parseSpec(readFileSync(join(BAD_SPECS, f), "utf8"), f);
      expect(spec, f).toBeUndefined();
      expect(diagnostics.filter((d) => d.severity === "error").length, f).toBeGreaterThan(0);
    }
  });

  it("without the rule, a model generated twice breaks dbt parse", { timeout: 180_000 }, async () => {
    requireVenv();
    for (const [file, error] of [
      ["hostile-name-collision--models.yaml", /stateful_a_success_rate_24h/],
    ] as const) {
      const dir = buildWithoutRules(readFileSync(join(BAD_SPECS, file), "utf8"));
      const r = await runDbt(dir, ["parse", "--no-partial-parse"]);
      expect(r.exitCode, file).not.toBe(0);
      expect(r.output, file).toMatch(error);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// URLs: one parser, and it agrees with Python's urllib and WHATWG URL on everything it accepts

/** The URL of every base_url of the hostile fixtures, plus ordinary ones. */
function fixtureUrls(): string[] {
  const urls: string[] = [];
  for (const f of readdirSync(BAD_SPECS).filter(
    (f) => f.startsWith("hostile-base-url--") && f.endsWith(".yaml"),
  )) {
    const data = loadYaml(readFileSync(join(BAD_SPECS, f), "utf8"), f).data as {
      connections: Record<string, { base_url: string }>;
    };
    for (const c of Object.values(data.connections))
      urls.push(c.base_url.replace(/^\$\{env\.[A-Z_]+:-(.*)\}$/, "$1"));
  }
  return urls;
}

const ORDINARY = [
  "http://127.0.0.1:8787",
  "https://api.example.com/v1",
  "HTTPS://API.Example.COM:8443/v1/",
  "http://localhost:9000",
  "https://xn--bcher-kva.example/a/b;c=d/@x/~y",
  "http://[::1]:8787/api",
  "http://[2001:DB8::1]",
  "https://a-b.c-d.example.com/%20x",
  "https://good.example.com/@evil.example.net",
];

interface PythonView {
  url: string;
  /** urllib.parse.urlsplit(url).hostname, or null when urlsplit raises */
  hostname: string | null;
  port: number | null;
  /** urllib.request.Request(url).host: what http.client connects to */
  request_host: string | null;
}

/** What the HTTP primitive's parser (Python's urllib) makes of each URL, in one Python process. */
async function pythonView(urls: string[]): Promise<Map<string, PythonView>> {
  const script = `
import json, sys, urllib.parse, urllib.request
out = []
for url in json.load(sys.stdin):
    view = {"url": url, "hostname": None, "port": None, "request_host": None}
    try:
        parts = urllib.parse.urlsplit(url.strip())
        view["hostname"] = parts.hostname
        view["port"] = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        view["request_host"] = urllib.request.Request(url).host
    except ValueError:
        pass
    out.append(view)
json.dump(out, sys.stdout)
`;
  const r = await execa(PYTHON, ["-c", script], { input: JSON.stringify(urls) });
  return new Map((JSON.parse(r.stdout) as PythonView[]).map((v) => [v.url, v]));
}

/** Python keeps an IPv6 address as written, WHATWG compresses it (in brackets): compare as WHATWG writes it. */
const whatwgHost = (host: string) => new URL(`http://${host.includes(":") ? `[${host}]` : host}`).hostname;

/** Checks one accepted URL against Python and WHATWG; returns the problems found. */
function disagreements(url: string, py: PythonView | undefined): string[] {
  const parsed = parseHttpUrl(url);
  if (!("url" in parsed)) return [];
  const ours = parsed.url;
  const problems: string[] = [];
  if (py?.hostname !== ours.host) problems.push(`python hostname ${py?.hostname} != ${ours.host}`);
  if (py?.port !== ours.port) problems.push(`python port ${py?.port} != ${ours.port}`);
  const expectedRequestHost = ours.hostKind === "ipv6" ? `[${ours.host}]` : ours.host;
  const requestHost = py?.request_host?.toLowerCase().replace(/:\d+$/, "");
  if (requestHost !== expectedRequestHost)
    problems.push(`python Request host ${py?.request_host} != ${expectedRequestHost}`);
  let whatwg: URL;
  try {
    whatwg = new URL(url);
  } catch {
    return [...problems, "WHATWG URL refuses it"];
  }
  if (whatwg.hostname !== whatwgHost(ours.host))
    problems.push(`WHATWG hostname ${whatwg.hostname} != ${ours.host}`);
  if (Number(whatwg.port || (whatwg.protocol === "https:" ? 443 : 80)) !== ours.port)
    problems.push(`WHATWG port ${whatwg.port} != ${ours.port}`);
  const listed = hostPort(url);
  const pyHostPort = py?.hostname?.includes(":")
    ? `[${py.hostname}]:${py.port}`
    : `${py?.hostname}:${py?.port}`;
  if (listed !== pyHostPort) problems.push(`network rule lists ${listed}, python connects to ${pyHostPort}`);
  return problems;
}

/** URL-like strings: mostly well-formed, with the pieces parsers disagree on mixed into every part. */
const piece = (ordinary: string[], hostile: string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ordinary) },
    { weight: 1, arbitrary: fc.constantFrom(...hostile) },
  );
const HOSTILE = [
  "@",
  "\\",
  "user:pw@",
  "%",
  "%2e",
  "%40",
  "*",
  "?",
  "#",
  " ",
  "\t",
  "\n",
  "\u0000",
  "\u00ad",
  "ü",
  "\uff0e",
  "[",
  "]",
  ":",
  "..",
  "_",
];
const urlLike = fc
  .tuple(
    piece(["http://", "https://", "HTTPS://"], ["http:/", "http:\\\\", "https:", "ftp://", "", "http:///"]),
    fc.oneof(
      fc
        .array(
          piece(
            ["api", "example", "com", "a-b", "xn--bcher-kva", "0x7f", "127", "1", "255", "256", "08"],
            HOSTILE,
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        )
        .map((labels) => labels.join(".")),
      piece(
        ["[::1]", "[2001:db8::1]", "[::ffff:127.0.0.1]", "127.0.0.1", "10.1.2.3"],
        ["[fe80::1%eth0]", "[::1", "[v1.x]", "0.0.0.0"],
      ),
    ),
    fc.option(piece([":8080", ":1", ":65535", ":443"], [":0", ":", ":65536", ":080", ":-1", ":8o"])),
    fc.array(piece(["/", "/v1", "/a;b", "/~x", "/@y", "/%20", "/x=y"], HOSTILE), { maxLength: 3 }),
  )
  .map(([scheme, host, port, path]) => scheme + host + (port ?? "") + path.join(""));

describe("base URLs: one parser, read the same by Python's urllib, WHATWG URL and the network rule", () => {
  it("the hostile fixtures' URLs are refused (except loopback and the warned IP), the ordinary ones accepted", () => {
    const accepted = fixtureUrls().filter((u) => "url" in parseHttpUrl(u));
    expect(accepted.sort()).toEqual(
      [
        "http://127.0.0.1:8787",
        "http://[::1]:8787",
        "http://[fe80::1]:8080", // refused by the rule as link-local, parsed here
        "http://[::ffff:169.254.169.254]",
        "http://169.254.169.254/latest/meta-data",
        "http://0.0.0.0:8787",
        "http://[::]",
        "https://10.0.0.5/v1",
        "http://api.example.com:65535",
      ].sort(),
    );
    for (const u of ORDINARY) expect(parseHttpUrl(u), u).toHaveProperty("url");
  });

  it("the corpus: every accepted URL has one host and port for all three", { timeout: 60_000 }, async () => {
    requireVenv();
    const urls = [...fixtureUrls(), ...ORDINARY];
    const views = await pythonView(urls);
    for (const u of urls) expect(disagreements(u, views.get(u)), u).toEqual([]);
    // the reason for the grammar: on the refused backslash URL Python and WHATWG name different hosts
    const split = "https://good.example.com\\@evil.example.net";
    expect(views.get(split)?.hostname).toBe("evil.example.net");
    expect(new URL(split).hostname).toBe("good.example.com");
    expect(parseHttpUrl(split)).toHaveProperty("problem.kind", "character");
  });

  it(
    "generated URL-like strings: whatever is accepted, all three read alike",
    { timeout: 120_000 },
    async () => {
      requireVenv();
      const urls = [...new Set(fc.sample(urlLike, { numRuns: 3000, seed: 9 }))];
      const accepted = urls.filter((u) => "url" in parseHttpUrl(u));
      expect(accepted.length).toBeGreaterThan(100); // not vacuous
      expect(accepted.length).toBeLessThan(urls.length);
      const views = await pythonView(accepted);
      const found = accepted.flatMap((u) =>
        disagreements(u, views.get(u)).map((p) => `${JSON.stringify(u)}: ${p}`),
      );
      expect(found).toEqual([]);
    },
  );

  it("the network rule lists no host for a refused URL", () => {
    expect(hostPort("https://svc:pw@api.example.com")).toBeNull();
    expect(hostPort("https://good.example.com\\@evil.example.net")).toBeNull();
    expect(hostPort("https://*.example.com")).toBeNull();
    expect(hostPort("${env.API_URL:-https://api.example.com:8443/v1}")).toBe("api.example.com:8443");
  });

  it("gen build refuses a password in base_url, prints no password and writes nothing", async () => {
    const spec = join(BAD_SPECS, "hostile-base-url--credentials.yaml");
    const out = join(tempDir("gen-names-out-"), "out");
    const r = await execa("node", [join(ROOT, "bin", "gen.js"), "build", spec, "-o", out], {
      reject: false,
      all: true,
    });
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/has a user name or password in it/);
    expect(r.all).not.toContain("hunter2");
    expect(() => readdirSync(out)).toThrow();
  });
});
