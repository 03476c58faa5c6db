/** The statement splitter of gen deploy, and its plan (ordering, secrets, warnings). No I/O. */
import { describe, expect, it } from "vitest";
import { planDeploy } from "../../generator/deploy/index.ts";
import { splitStatements, SqlSplitError, statementLabel } from "../../generator/deploy/sql.ts";

describe("splitStatements", () => {
  it("splits on ; outside strings, identifiers, $$ bodies and comments", () => {
    const text = [
      "-- leading comment; not a statement",
      "CREATE SCHEMA IF NOT EXISTS A.B;",
      "",
      "/* block; comment */ SELECT 'a;b', 'it''s; ok', 'back\\\\slash\\'; still' AS \"we;ird\"\"x\";",
      "CREATE OR REPLACE PROCEDURE P() RETURNS VARIANT LANGUAGE PYTHON AS",
      "$$",
      "x = 'a;b'  # ; in python",
      "$$;",
      "// slash comment;",
      "GRANT USAGE ON INTEGRATION I TO ROLE R",
    ].join("\n");
    const out = splitStatements(text, "f.sql");
    expect(out.map((s) => [s.line, s.sql.split("\n")[0]])).toEqual([
      [2, "CREATE SCHEMA IF NOT EXISTS A.B"],
      [4, "SELECT 'a;b', 'it''s; ok', 'back\\\\slash\\'; still' AS \"we;ird\"\"x\""],
      [5, "CREATE OR REPLACE PROCEDURE P() RETURNS VARIANT LANGUAGE PYTHON AS"],
      [10, "GRANT USAGE ON INTEGRATION I TO ROLE R"],
    ]);
    expect(out[2]?.sql.endsWith("$$")).toBe(true);
    expect(out[2]?.sql).toContain("x = 'a;b'  # ; in python");
  });

  it("a file of comments only has no statement", () => {
    expect(splitStatements("-- nothing\n/* here */\n", "f.sql")).toEqual([]);
  });

  it("reports an unterminated string or body with its line", () => {
    expect(() => splitStatements("SELECT 1;\nSELECT 'x;\n", "f.sql")).toThrow(SqlSplitError);
    expect(() => splitStatements("SELECT 1;\nSELECT 'x;\n", "f.sql")).toThrow(
      /f\.sql:2: unterminated '\.\.\.' string/,
    );
    expect(() => splitStatements("CREATE P AS $$\nbody;\n", "g.sql")).toThrow(/g\.sql:1: unterminated \$\$/);
  });

  it("labels a statement by its first line", () => {
    expect(statementLabel("CREATE X\n  A = 1")).toBe("CREATE X ...");
    expect(statementLabel("GRANT Y")).toBe("GRANT Y");
  });
});

describe("planDeploy", () => {
  const files = [
    {
      path: "snowflake/02_secrets.sql",
      content:
        "CREATE SECRET IF NOT EXISTS DB.S.API_KEY TYPE = GENERIC_STRING SECRET_STRING = 'p';\nCREATE SECRET IF NOT EXISTS OTHER TYPE = GENERIC_STRING SECRET_STRING = 'p';",
    },
    {
      path: "snowflake/01_network_rule.sql",
      content:
        "CREATE OR ALTER NETWORK RULE R TYPE = HOST_PORT VALUE_LIST = ('api.example.com:443', '127.0.0.1:8787') MODE = EGRESS;",
    },
  ];

  it("orders the files, sets a secret from its environment variable and masks it in the display text", () => {
    const plan = planDeploy(files, { API_KEY: "k'ey\\1" });
    expect(plan.statements.map((s) => s.file)).toEqual([
      "snowflake/01_network_rule.sql",
      "snowflake/02_secrets.sql",
      "snowflake/02_secrets.sql",
      "snowflake/02_secrets.sql",
    ]);
    const alter = plan.statements[2];
    expect(alter?.sql).toBe("ALTER SECRET DB.S.API_KEY SET SECRET_STRING = 'k''ey\\\\1'");
    expect(alter?.display).toBe("ALTER SECRET DB.S.API_KEY SET SECRET_STRING = '***'");
    // the value as it is, and as it is escaped inside the statement: both are kept out of any output
    expect(plan.secretValues).toEqual(["k'ey\\1", "k''ey\\\\1"]);
    expect(plan.statements.map((s) => s.display).join("\n")).not.toContain("k'ey");
  });

  it("warns about an unset secret variable and an unreachable host, and keeps going", () => {
    const plan = planDeploy(files, {});
    expect(plan.statements).toHaveLength(3);
    expect(plan.warnings.some((w) => w.includes("API_KEY is not set"))).toBe(true);
    expect(plan.warnings.some((w) => w.includes("OTHER is not set"))).toBe(true);
    expect(plan.warnings.some((w) => w.includes("127.0.0.1:8787") && w.includes("cannot reach"))).toBe(true);
    expect(plan.warnings.some((w) => w.includes("api.example.com"))).toBe(false);
  });

  it("sends each secret value as one standalone statement that reads back the exact value", () => {
    const hostile = [
      "plain",
      "it's",
      "back\\slash\\",
      "\\'; DROP TABLE T; --",
      "'; ALTER SECRET X SET SECRET_STRING = 'stolen",
      "$$ body $$",
      "line\nbreak\r\n",
      "/* not a comment */ -- nor this",
      "ends with a backslash \\",
    ];
    for (const value of hostile) {
      const plan = planDeploy(files, { API_KEY: value });
      const sent = plan.statements.filter((s) => s.sql.startsWith("ALTER SECRET"));
      expect(sent).toHaveLength(1);
      const sql = sent[0]?.sql ?? "";
      // the splitter, which reads strings the way Snowflake does, sees exactly this one statement
      expect(splitStatements(sql + ";", "f.sql").map((s) => s.sql)).toEqual([sql]);
      // and the literal decodes (backslash escapes, doubled quotes) to exactly the value
      const literal = /^ALTER SECRET DB\.S\.API_KEY SET SECRET_STRING = '([\s\S]*)'$/.exec(sql)?.[1];
      expect(
        literal?.replace(/''|\\([\s\S])/g, (m: string, c?: string) => (m === "''" ? "'" : (c ?? ""))),
      ).toBe(value);
      expect(plan.statements.map((s) => s.display).join("\n")).not.toContain(value);
    }
  });
});
