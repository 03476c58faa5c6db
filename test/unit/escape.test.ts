import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  jinjaLiteral,
  jinjaString,
  markdownText,
  mermaidLine,
  mermaidText,
  pythonString,
  snowflakeString,
  sqlComment,
  sqlIdentifier,
  sqlString,
  yamlJinjaString,
} from "../../generator/util/escape.ts";

const HOSTILE = [
  "it's",
  'say "hi"',
  "back\\slash",
  "{{ var('x') }}",
  "{% if true %}x{% endif %}",
  "{# comment #}",
  "$$ dollar $$",
  "-- comment; drop table x;",
  "line1\nline2\r\n",
  "tab\tnull\u0000",
  "ünïcødé ✓ 🚀",
  "\u2028\u2029",
  "}}",
  "%}",
];

/** Decodes a Jinja string literal the way Jinja's lexer does (escape sequences in an ASCII-safe body). */
function decodeJinja(literal: string): string {
  expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
  return literal
    .slice(1, -1)
    .replace(/\\(?:x([0-9a-f]{2})|u([0-9a-f]{4}))/g, (_m, x?: string, u?: string) =>
      String.fromCharCode(parseInt(x ?? u ?? "", 16)),
    );
}

describe("escaping", () => {
  it("jinjaString leaves no Jinja or dbt delimiter and round-trips", () => {
    for (const s of HOSTILE) {
      const lit = jinjaString(s);
      expect(lit.slice(1, -1)).not.toMatch(/[{}%#'"]|\\(?!x[0-9a-f]{2}|u[0-9a-f]{4})/);
      expect(lit).not.toMatch(/\{\{|\{%|\{#|%\}|\}\}|#\}/);
      expect(decodeJinja(lit)).toBe(s);
    }
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => decodeJinja(jinjaString(s)) === s));
  });

  it("jinjaLiteral renders nested values with no adjacent closing braces", () => {
    const lit = jinjaLiteral({ a: { b: { c: [1, true, null, "}}"] } }, e: [] });
    expect(lit).not.toMatch(/\}\}|%\}/);
    expect(lit).toContain("true");
    expect(lit).toContain("none");
    expect(() => jinjaLiteral(Number.NaN)).toThrow();
  });

  it("SQL string literals double quotes; Snowflake also doubles backslashes", () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString("a\\b")).toBe("'a\\b'");
    expect(snowflakeString("it's a\\b")).toBe("'it''s a\\\\b'");
  });

  it("identifiers are checked, not escaped", () => {
    expect(sqlIdentifier("policy_id")).toBe("policy_id");
    expect(() => sqlIdentifier("x; drop")).toThrow(/not a valid identifier/);
  });

  it("Python and YAML literals are JSON strings", () => {
    for (const s of HOSTILE) expect(JSON.parse(pythonString(s))).toBe(s);
    expect(yamlJinjaString("plain")).toBe('"plain"');
    const wrapped = JSON.parse(yamlJinjaString("{{ x }}")) as string;
    expect(wrapped.startsWith("{{ '")).toBe(true);
    expect(decodeJinja(wrapped.slice(3, -3))).toBe("{{ x }}");
  });

  it("diagram and markdown text stay on one line", () => {
    expect(mermaidText("a;b\nc#d")).toBe("a b c d");
    expect(markdownText("a|b\n*c*")).toBe("a\\|b \\*c\\*");
    for (const s of HOSTILE) {
      expect(mermaidText(s)).not.toMatch(/[\r\n\u2028\u2029`]/);
      expect(markdownText(s)).not.toMatch(/[\r\n\u2028\u2029]/);
      expect(mermaidLine(`    WF->>DB: ${mermaidText(s)}`)).toContain("WF->>DB");
    }
    expect(() => mermaidLine("a\nb")).toThrow(/not one line/);
  });

  it("a SQL comment stays one line and ends no comment, $$ body or Jinja tag", () => {
    expect(sqlComment("60 MINUTE\nDROP DATABASE PROD;\n--")).toBe("60 MINUTE DROP DATABASE PROD; --");
    expect(sqlComment("a $$ b */ c /* d {{ e }} {% f %} {# g #} $$$")).toBe(
      "a $ $ b * / c / * d { { e }} { % f %} { # g #} $ $ $",
    );
    const property = (s: string) => {
      const c = sqlComment(s);
      // eslint-disable-next-line no-control-regex -- a control character could end the line for some reader
      return !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\$\$|\/\*|\*\/|\{[{%#]/.test(c);
    };
    for (const s of HOSTILE) expect(property(s), JSON.stringify(s)).toBe(true);
    fc.assert(fc.property(fc.string({ unit: "binary" }), property));
  });
});
