/**
 * The Snowflake setup SQL (snowflake/*.sql): every statement parsed by sqlglot's Snowflake dialect, with the
 * statements it can only take as opaque commands listed here explicitly; and the properties the setup must
 * have: idempotent statements only, a least-privilege network rule, one secret per ${secret.X}, the pinned dbt
 * version and default target wherever the dbt project object is created or run, each object created by the
 * role its file names, and grants that give the role running dbt no access to the secrets.
 */
import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planDeploy } from "../../generator/deploy/index.ts";
import { formatDiagnostic } from "../../generator/errors.ts";
import { SNOWFLAKE_DBT_VERSION } from "../../generator/plan/index.ts";
import { compileSpec } from "../../generator/pipeline.ts";
import { PYTHON, requireVenv } from "../integration/harness.ts";
import {
  build,
  FANOUT_SPEC,
  FULL_OPTIONS_SPEC,
  HERE,
  setupStatements,
  SPECS,
  type BuiltProject,
  removeTempDirs,
  tempDir,
} from "./helpers.ts";

afterAll(removeTempDirs);

/**
 * Statement kind -> the expression sqlglot (Snowflake dialect) parses it into. "Command" means sqlglot has no
 * grammar for it and keeps the text as an opaque command: those statements are checked by nothing but the
 * tests below and Snowflake itself.
 */
const SQLGLOT_EXPECTED: Record<string, string> = {
  "USE ROLE": "Use",
  "CREATE SCHEMA": "Create",
  "CREATE OR ALTER NETWORK RULE": "Command",
  "CREATE SECRET": "Command",
  "ALTER SECRET": "Command", // added by gen deploy to set the value
  "CREATE OR REPLACE EXTERNAL ACCESS INTEGRATION": "Command",
  "CREATE OR REPLACE PROCEDURE": "Create",
  "CREATE DBT PROJECT": "Command",
  "ALTER DBT PROJECT": "Command", // ADD VERSION, SET
  "GRANT ON WAREHOUSE": "Grant",
  "GRANT ON DATABASE": "Grant",
  "GRANT ON SCHEMA": "Grant",
  "GRANT ON INTEGRATION": "Grant", // to the owner role, by ACCOUNTADMIN
  "GRANT ON ACCOUNT": "Grant", // EXECUTE TASK, to the owner role
  "GRANT ON PROCEDURE": "Grant",
  "GRANT ON DBT PROJECT": "Command",
  "CREATE OR REPLACE TASK": "Command",
  "ALTER TASK": "Command", // RESUME
  "CREATE OR REPLACE ALERT": "Command",
  "ALTER ALERT": "Command", // RESUME
};

function kindOf(sql: string): string {
  const grant =
    /^GRANT\s+[\s\S]*?\sON\s+(WAREHOUSE|DATABASE|SCHEMA|INTEGRATION|SECRET|PROCEDURE|ACCOUNT|DBT\s+PROJECT)\s/i.exec(
      sql,
    );
  if (grant) return `GRANT ON ${(grant[1] as string).toUpperCase().replace(/\s+/g, " ")}`;
  const m =
    /^(USE\s+ROLE|(?:CREATE|ALTER)\s+DBT\s+PROJECT|CREATE\s+OR\s+REPLACE\s+PROCEDURE|CREATE\s+OR\s+REPLACE\s+TASK|ALTER\s+TASK|CREATE\s+OR\s+REPLACE\s+ALERT|ALTER\s+ALERT|CREATE\s+SCHEMA|CREATE\s+OR\s+ALTER\s+NETWORK\s+RULE|CREATE\s+OR\s+REPLACE\s+EXTERNAL\s+ACCESS\s+INTEGRATION|(?:CREATE|ALTER)\s+SECRET)\b/i.exec(
      sql,
    );
  return m ? (m[1] as string).toUpperCase().replace(/\s+/g, " ") : `UNKNOWN: ${sql.slice(0, 40)}`;
}

const projects: [string, BuiltProject][] = [
  ...SPECS.map((file) => [file.split("/").slice(-2).join("/"), build({ file })] as [string, BuiltProject]),
  ["full options", build({ text: FULL_OPTIONS_SPEC, name: "full.yaml" })],
  ["for_each", build({ text: FANOUT_SPEC, name: "fanout.yaml" })],
];

/** The statements gen deploy sends, the ALTER SECRETs included (every secret's variable set). */
function deployStatements(project: BuiltProject): string[] {
  const env = Object.fromEntries(
    project.plan.project.secrets.map((s) => [s, `value-of-${s}-with-'quote-and-\\`]),
  );
  return planDeploy(
    project.files.filter((f) => f.path.startsWith("snowflake/")),
    env,
  ).statements.map((s) => s.sql);
}

describe("snowflake setup SQL: sqlglot (Snowflake dialect)", () => {
  it(
    "parses every statement, taking exactly the listed kinds as opaque commands",
    { timeout: 60_000 },
    async () => {
      requireVenv();
      const all = projects.flatMap(([name, p]) => deployStatements(p).map((sql) => ({ name, sql })));
      const file = join(tempDir("gen-sf-glot-"), "statements.json");
      writeFileSync(file, JSON.stringify(all.map((s) => s.sql)));
      const r = await execa(PYTHON, [join(HERE, "sqlglot_check.py"), file], { reject: false, all: true });
      expect(r.exitCode, r.all).toBe(0);
      const parsed = JSON.parse(r.stdout) as ({ type: string } | { error: string })[];
      expect(parsed).toHaveLength(all.length);
      const seen = new Set<string>();
      for (const [i, s] of all.entries()) {
        const kind = kindOf(s.sql);
        seen.add(kind);
        const got = parsed[i] as { type?: string; error?: string };
        expect(got.error, `${s.name}: sqlglot cannot parse\n${s.sql}`).toBeUndefined();
        expect(SQLGLOT_EXPECTED[kind], `${s.name}: unexpected statement kind ${kind}`).toBeDefined();
        expect(got.type, `${s.name}: ${kind}`).toBe(SQLGLOT_EXPECTED[kind]);
      }
      // the list above is not stale: every kind in it is generated by one of the specs
      expect([...seen].sort()).toEqual(Object.keys(SQLGLOT_EXPECTED).sort());
    },
  );
});

describe("snowflake setup SQL: properties", () => {
  for (const [name, project] of projects) {
    const statements = setupStatements(project.files);
    const sf = project.plan.project.snowflake;

    it(`${name}: every statement is idempotent (IF NOT EXISTS, OR REPLACE, OR ALTER, GRANT, RESUME, SET)`, () => {
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements)
        expect(s.sql, `${s.file}:${s.line}`).toMatch(
          // ALTER DBT PROJECT ... ADD VERSION takes the source's current files: the object converges on them
          /^(USE\s+ROLE\s+\S+$|ALTER\s+DBT\s+PROJECT\s+\S+\s+(ADD\s+VERSION|SET)\s|CREATE\s+(SCHEMA|SECRET|DBT\s+PROJECT)\s+IF\s+NOT\s+EXISTS\s|CREATE\s+OR\s+REPLACE\s+(PROCEDURE|EXTERNAL\s+ACCESS\s+INTEGRATION|TASK|ALERT)\s|CREATE\s+OR\s+ALTER\s+NETWORK\s+RULE\s|GRANT\s|ALTER\s+(TASK|ALERT)\s+\S+\s+RESUME$)/,
        );
    });

    it(`${name}: the network rule allows exactly the spec's hosts, and is the integration's only rule`, () => {
      const lists = statements
        .filter((s) => /NETWORK\s+RULE/.test(s.sql))
        .map((s) => /VALUE_LIST = \(([^)]*)\)/.exec(s.sql)?.[1]);
      expect(lists).toHaveLength(1); // CREATE OR ALTER: converges on re-deploy, never dropped
      for (const list of lists) expect(list).toBe(sf.hosts.map((h) => `'${h}'`).join(", "));
      expect(sf.hosts.length).toBeGreaterThan(0);
      expect(statements.map((s) => s.sql).join("\n")).not.toMatch(/0\.0\.0\.0|'\*'/);
      const eai = statements.filter((s) => /EXTERNAL ACCESS INTEGRATION/.test(s.sql));
      expect(eai).toHaveLength(1);
      for (const s of eai) expect(s.sql).toMatch(/ALLOWED_NETWORK_RULES = \([A-Za-z0-9_.]+\)\n/);
    });

    it(`${name}: one SECRET per \${secret.X}, all of them allowed by the integration and no other`, () => {
      const created = statements.flatMap((s) => /^CREATE SECRET IF NOT EXISTS (\S+)/.exec(s.sql)?.[1] ?? []);
      expect(created.map((q) => q.split(".").pop())).toEqual(sf.secrets);
      for (const s of statements.filter((st) => /EXTERNAL ACCESS INTEGRATION/.test(st.sql)))
        expect(s.sql).toContain(
          `ALLOWED_AUTHENTICATION_SECRETS = (${created.length ? created.join(", ") : "none"})`,
        );
    });

    it(`${name}: the role that runs dbt gets what it uses, and neither the secrets nor the integration`, () => {
      const role = sf.role ?? "";
      expect(role).not.toBe("");
      const toRunner = statements
        .map((st) => st.sql)
        .filter((sql) => sql.startsWith("GRANT ") && sql.endsWith(` TO ROLE ${role}`));
      const text = toRunner.join("\n");
      // the HTTP procedure runs with its owner's rights: nothing it reads is granted to the runner
      expect(text).not.toMatch(/\bON\s+(SECRET|INTEGRATION|ALL\s+SECRETS|FUTURE\s+SECRETS)\b/);
      expect(text).not.toMatch(/\bREAD\b/);
      expect(text).toContain(`GRANT USAGE ON WAREHOUSE ${sf.warehouse} TO ROLE ${role}`);
      expect(text).toContain(`GRANT USAGE ON DATABASE ${sf.database} TO ROLE ${role}`);
      expect(text).toContain(
        `GRANT USAGE, CREATE TABLE, CREATE VIEW ON SCHEMA ${sf.objects.schema} TO ROLE ${role}`,
      );
      expect(text).toContain(
        `GRANT USAGE ON PROCEDURE ${sf.objects.procedure}(VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR) TO ROLE ${role}`,
      );
      const projectGrant = `GRANT USAGE ON DBT PROJECT ${sf.objects.dbtProject} TO ROLE ${role}`;
      // without a source the setup does not create the object: the README gives this grant
      if (sf.dbtProjectSource) expect(text).toContain(projectGrant);
      else expect(text).not.toContain(projectGrant);
      const batchGrant = `GRANT USAGE ON PROCEDURE ${sf.objects.batchProcedure}(VARCHAR, NUMBER) TO ROLE ${role}`;
      if (project.plan.project.fansOut) expect(text).toContain(batchGrant);
      else expect(text).not.toContain(batchGrant);
      const restartGrant = `GRANT USAGE ON PROCEDURE ${sf.objects.restartProcedure}(VARCHAR, VARCHAR) TO ROLE ${role}`;
      if (project.plan.project.autoRestart) expect(text).toContain(restartGrant);
      else expect(text).not.toContain(restartGrant);
      // no grant at all reaches a secret
      expect(statements.filter((st) => /^GRANT\s[\s\S]*\sON\s+SECRET\s/.test(st.sql))).toEqual([]);
    });

    it(`${name}: each object is created by the role its file names; ACCOUNTADMIN only for the integration`, () => {
      const owner = sf.ownerRole;
      const session = "<the session's role>";
      for (const f of project.files.filter((file) => /^snowflake\/\d\d_.*\.sql$/.test(file.path)))
        expect(f.content, f.path).toMatch(/^-- Role: /m);
      let current = session;
      let checked = 0;
      for (const st of statements) {
        const use = /^USE ROLE (\S+)$/.exec(st.sql);
        if (use) {
          current = use[1] as string;
          continue;
        }
        const at = `${st.file}:${st.line} ${st.sql.split("\n")[0]}`;
        const accountLevel =
          /^CREATE OR REPLACE EXTERNAL ACCESS INTEGRATION|^GRANT USAGE ON INTEGRATION|^GRANT EXECUTE TASK ON ACCOUNT/.test(
            st.sql,
          );
        expect(current, at).toBe(owner ? (accountLevel ? "ACCOUNTADMIN" : owner) : session);
        checked++;
      }
      expect(checked).toBeGreaterThan(5);
      const sqls = statements.map((st) => st.sql);
      if (owner) {
        // from ACCOUNTADMIN, what the owner needs for the procedure (the integration) and for the tasks
        expect(sqls).toContain(`GRANT USAGE ON INTEGRATION ${sf.objects.integration} TO ROLE ${owner}`);
        const executeTask = `GRANT EXECUTE TASK ON ACCOUNT TO ROLE ${owner}`;
        if (project.plan.project.autoRestart?.tasks.length) expect(sqls).toContain(executeTask);
        else expect(sqls).not.toContain(executeTask);
      } else {
        expect(sqls.filter((sql) => sql.startsWith("USE ROLE"))).toEqual([]);
      }
    });

    it(`${name}: the pinned dbt version and the default target wherever the dbt project object is made or run`, () => {
      const target = sf.objects.defaultTarget;
      const pinned = `DBT_VERSION = '${SNOWFLAKE_DBT_VERSION}'`;
      const sqls = statements.map((st) => st.sql);
      const creates = sqls.filter((sql) => /^CREATE DBT PROJECT/.test(sql));
      const sets = sqls.filter((sql) => /^ALTER DBT PROJECT \S+ SET/.test(sql));
      expect(creates).toHaveLength(sf.dbtProjectSource ? 1 : 0);
      expect(sets).toHaveLength(sf.dbtProjectSource ? 1 : 0);
      for (const sql of [...creates, ...sets]) {
        expect(sql).toContain(pinned);
        expect(sql).toMatch(new RegExp(`\\bDEFAULT_TARGET = ${target}\\b`));
      }
      // the restart procedure builds its EXECUTE DBT PROJECT as a string: the pin is part of it
      const restart = sqls.find((sql) => /^CREATE OR REPLACE PROCEDURE \S+RUN_DBT_AUTO_RESTART\(/.test(sql));
      if (project.plan.project.autoRestart) {
        expect(restart).toContain('"EXECUTE DBT PROJECT %s ARGS = %s DBT_VERSION = %s"');
        expect(restart).toContain(`\nDBT_VERSION = ${JSON.stringify(SNOWFLAKE_DBT_VERSION)}\n`);
      }
      // the runbook: every way it shows to create, pin or run the object names the version and the target
      const readme = project.files.find((f) => f.path === "snowflake/README.md")?.content ?? "";
      const lines = readme.split("\n");
      const deploys = lines.filter((l) => l.includes("snow dbt deploy "));
      expect(deploys.length).toBeGreaterThan(0);
      for (const l of deploys) {
        expect(l).toContain(`--dbt-version ${SNOWFLAKE_DBT_VERSION}`);
        expect(l).toContain(`--default-target ${target}`);
      }
      expect(readme).toContain("Snowflake CLI, version 3.16.0 or later");
      const executes = lines.filter((l) => /EXECUTE DBT PROJECT \S+ ARGS/.test(l));
      expect(executes.length).toBeGreaterThan(0);
      for (const l of executes) expect(l).toContain(pinned);
      const from = readme.indexOf(`CREATE DBT PROJECT ${sf.objects.dbtProject}\n`);
      expect(from).toBeGreaterThan(0);
      const createBlock = readme.slice(from, readme.indexOf("```", from));
      expect(createBlock).toContain(pinned);
      expect(createBlock).toContain(`DEFAULT_TARGET = ${target}`);
      expect(createBlock).toContain(`SET ${pinned} DEFAULT_TARGET = ${target};`);
    });

    it(`${name}: every task runs on a warehouse, in the dbt project object's schema`, () => {
      const tasks = statements.filter((st) => /^CREATE OR REPLACE TASK/.test(st.sql));
      expect(tasks).toHaveLength(project.plan.project.autoRestart?.tasks.length ?? 0);
      const schemaOf = (name: string) => name.split(".").slice(0, -1).join(".");
      for (const t of tasks) {
        expect(t.sql).toMatch(/\n {2}WAREHOUSE = [A-Za-z_][A-Za-z0-9_$]*\n/);
        expect(schemaOf(/^CREATE OR REPLACE TASK (\S+)/.exec(t.sql)?.[1] ?? "")).toBe(
          schemaOf(sf.objects.dbtProject),
        );
      }
    });
  }
});

describe("snowflake target: the settings a Snowflake run needs", () => {
  const WITHOUT_SETTINGS = `version: 1
project: { name: local_only }
connections:
  api: { base_url: "https://api.example.com" }
workflows:
  - name: flow
    steps:
      - name: call
        request: { connection: api, path: /a }
`;

  it("a spec that does not name snowflake builds for duckdb only, with no Snowflake setup", () => {
    const r = compileSpec(WITHOUT_SETTINGS, "local.yaml");
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    expect(r.plan?.project.targets).toEqual(["duckdb"]);
    expect(r.files?.some((f) => f.path.startsWith("snowflake/"))).toBe(false);
    expect(r.files?.find((f) => f.path === "profiles.yml")?.content).not.toContain("snowflake_project");
  });

  it("--target snowflake on it is refused like a spec naming snowflake: located, with the hint", () => {
    for (const targets of [["snowflake"], ["duckdb", "snowflake"]] as const) {
      const r = compileSpec(WITHOUT_SETTINGS, "local.yaml", { targets: [...targets] });
      expect(r.files).toBeUndefined();
      expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => formatDiagnostic(d))).toEqual([
        "local.yaml:2:1  building for snowflake, but project.snowflake does not set role, warehouse, database " +
          "and schema  (dbt Projects on Snowflake runs the project with the role, warehouse, database and schema " +
          "its profiles.yml names: set them (e.g. role: DBT_RUNNER, warehouse: COMPUTE_WH, database: ANALYTICS, " +
          "schema: WORKFLOWS))",
      ]);
    }
    expect(compileSpec(WITHOUT_SETTINGS, "local.yaml", { targets: ["duckdb"] }).files).toBeDefined();
  });

  it("profiles.yml names role, warehouse, database and schema in the output the dbt project object runs", () => {
    for (const [name, project] of projects) {
      const sf = project.plan.project.snowflake;
      const profiles = project.files.find((f) => f.path === "profiles.yml")?.content ?? "";
      const output = profiles.slice(profiles.indexOf(`    ${sf.objects.defaultTarget}:`));
      for (const [key, value] of [
        ["role", sf.role],
        ["warehouse", sf.warehouse],
        ["database", sf.database],
        ["schema", sf.schema],
      ] as const) {
        expect(value, `${name}: ${key}`).toBeTruthy();
        expect(output, `${name}: ${key}`).toContain(
          `      ${key}: "{{ var('snowflake_${key}', '${value}') }}"`,
        );
      }
    }
  });
});

describe("snowflake/04_gen_http_request_procedure.sql", () => {
  it("sqlglot's tokenizer and gen deploy's splitter see the same statements: the HTTP procedure, and the batch one with for_each", async () => {
    requireVenv();
    // statements as runs of tokens between semicolons ($$ bodies are one token): sqlglot's parser cannot count
    // them per file, it reads a CREATE PROCEDURE ... AS $$...$$ and everything after it as one statement
    const script =
      "import sqlglot, sys\n" +
      "tokens = sqlglot.Dialect.get_or_raise('snowflake').tokenize(open(sys.argv[1]).read())\n" +
      "runs = ' '.join('|' if t.token_type == sqlglot.TokenType.SEMICOLON else 'x' for t in tokens)\n" +
      "print(len([r for r in runs.split('|') if r.strip()]))\n";
    for (const [name, project] of projects) {
      const file = project.files.find((f) => f.path === "snowflake/04_gen_http_request_procedure.sql")!;
      const path = join(tempDir("gen-sf-proc-"), "04.sql");
      writeFileSync(path, file.content);
      const r = await execa(PYTHON, ["-c", script, path], { reject: false, all: true });
      expect(r.exitCode, r.all).toBe(0);
      const split = setupStatements([file]).map((st) => st.sql);
      expect(Number(r.stdout.trim()), name).toBe(split.length);
      const sf = project.plan.project.snowflake.objects;
      expect(
        split.map((sql) => /^CREATE OR REPLACE PROCEDURE (\S+)\(/.exec(sql)?.[1]),
        name,
      ).toEqual(project.plan.project.fansOut ? [sf.procedure, sf.batchProcedure] : [sf.procedure]);
    }
  });
});

describe("snowflake/08_alerts.sql", () => {
  it("sqlglot and gen deploy's splitter see the same three statements: USE ROLE, CREATE ALERT, RESUME", async () => {
    requireVenv();
    const project = build({ file: "specs/policy.yaml" });
    const file = project.files.find((f) => f.path === "snowflake/08_alerts.sql");
    expect(file, "policy.yaml has an alerts block and targets snowflake").toBeDefined();
    const script =
      "import sqlglot, sys\n" +
      "print(len([s for s in sqlglot.parse(open(sys.argv[1]).read(), read='snowflake') if s is not None]))\n";
    const path = join(tempDir("gen-sf-alert-"), "08_alerts.sql");
    writeFileSync(path, file!.content);
    const r = await execa(PYTHON, ["-c", script, path], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    const split = setupStatements([file!]).map((s) => s.sql);
    expect(Number(r.stdout.trim())).toBe(split.length);
    expect(split.map(kindOf)).toEqual(["USE ROLE", "CREATE OR REPLACE ALERT", "ALTER ALERT"]);
    const alert = split[1]!;
    // the named integration and the spec's recipients, as SQL string literals
    expect(alert).toContain("CALL SYSTEM$SEND_EMAIL(\n      'OPS_EMAIL',\n      'data-oncall@example.com',");
    expect(alert).toMatch(
      /from EDW\.O2C_AUDIT\.policy_execution_state, check_window\s+where status = 'error'/,
    );
    expect(alert).toContain("from EDW.O2C_AUDIT.GEN_RESTART_PLAN, check_window");
  });
});
