import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTemplate } from "../../generator/spec/index.ts";
import { isSingleRef } from "../../generator/spec/refs.ts";

const text = (t: string) => ({ kind: "text", text: t });

describe("parseTemplate: plain text", () => {
  const hostile = [
    "",
    "plain",
    "{{ x }}",
    "{% if x %}y{% endif %}",
    "{# comment #}",
    "$$",
    "$",
    "price: $5, $x and $ {x}",
    "{x} {} }{",
    "it's \"quoted\" and 'single'",
    "back\\slash \\n \\t",
    "new\nline\r\n",
    "emoji 🚀 ☃ été",
    "$$ SELECT 1 $$",
    "'; DROP TABLE x; --",
    "<< nunjucks >> <% tag %>",
  ];
  it.each(hostile)("keeps %j as one text part", (s) => {
    expect(parseTemplate(s)).toEqual({ parts: s === "" ? [] : [text(s)], errors: [] });
  });

  it("keeps any string without ${ as text (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }).filter((s) => !s.includes("${")),
        (s) => {
          const r = parseTemplate(s);
          expect(r.errors).toEqual([]);
          expect(r.parts.map((p) => (p.kind === "text" ? p.text : "?")).join("")).toBe(s);
        },
      ),
    );
  });
});

describe("parseTemplate: escapes", () => {
  it("reads $${ as a literal ${", () => {
    expect(parseTemplate("$${input}")).toEqual({ parts: [text("${input}")], errors: [] });
    expect(parseTemplate("a $${b} c")).toEqual({ parts: [text("a ${b} c")], errors: [] });
  });

  it("reads $$${ left to right: a $ then a literal ${", () => {
    expect(parseTemplate("$$${x}")).toEqual({ parts: [text("$${x}")], errors: [] });
  });

  it("does not treat a backslash as an escape", () => {
    expect(parseTemplate("\\${input}").parts).toEqual([
      text("\\"),
      { kind: "ref", raw: "${input}", root: "input", path: [], offset: 1 },
    ]);
  });

  it("mixes escapes and references", () => {
    const r = parseTemplate("$${lit} ${input.a}");
    expect(r.errors).toEqual([]);
    expect(r.parts).toEqual([
      text("${lit} "),
      { kind: "ref", raw: "${input.a}", root: "input", path: ["a"], offset: 8 },
    ]);
  });
});

describe("parseTemplate: references", () => {
  it.each([
    ["${input}", { root: "input", path: [] }],
    ["${input.a.b}", { root: "input", path: ["a", "b"] }],
    ["${input.items.0}", { root: "input", path: ["items", "0"] }],
    ["${steps.create_policy.policy_id}", { root: "steps", path: ["create_policy", "policy_id"] }],
    ["${execution.id}", { root: "execution", path: ["id"] }],
    ["${execution.started_at}", { root: "execution", path: ["started_at"] }],
    ["${now}", { root: "now", path: [] }],
    ["${env.NAME}", { root: "env", path: ["NAME"] }],
    ["${secret.POLICY_API_KEY}", { root: "secret", path: ["POLICY_API_KEY"] }],
  ])("parses %s", (raw, expected) => {
    const r = parseTemplate(raw);
    expect(r.errors).toEqual([]);
    expect(r.parts).toEqual([{ kind: "ref", raw, offset: 0, ...expected }]);
    expect(isSingleRef(r)).toBe(true);
  });

  it("parses env defaults verbatim, including spaces, colons and quotes", () => {
    const r = parseTemplate("${env.URL:-http://127.0.0.1:8787/a?b=c}");
    expect(r.parts).toEqual([
      {
        kind: "ref",
        raw: "${env.URL:-http://127.0.0.1:8787/a?b=c}",
        root: "env",
        path: ["URL"],
        default: "http://127.0.0.1:8787/a?b=c",
        offset: 0,
      },
    ]);
    expect(parseTemplate("${env.X:-default text 'q' \"d\"}").parts[0]).toMatchObject({
      default: "default text 'q' \"d\"",
    });
    expect(parseTemplate("${env.X:-}").parts[0]).toMatchObject({ default: "" });
  });

  it("splits text and references with offsets", () => {
    const r = parseTemplate("/policy/${steps.create.id}?x={{ y }}&t=${now}");
    expect(r.errors).toEqual([]);
    expect(r.parts).toEqual([
      text("/policy/"),
      { kind: "ref", raw: "${steps.create.id}", root: "steps", path: ["create", "id"], offset: 8 },
      text("?x={{ y }}&t="),
      { kind: "ref", raw: "${now}", root: "now", path: [], offset: 39 },
    ]);
    expect(isSingleRef(r)).toBe(false);
  });

  it("allows spaces around the expression", () => {
    expect(parseTemplate("${ input.a }").parts[0]).toMatchObject({ root: "input", path: ["a"] });
  });

  it("keeps unicode around references", () => {
    expect(parseTemplate("🚀${input}é").parts).toEqual([
      text("🚀"),
      { kind: "ref", raw: "${input}", root: "input", path: [], offset: 2 },
      text("é"),
    ]);
  });
});

describe("parseTemplate: errors", () => {
  const err = (s: string) => {
    const r = parseTemplate(s);
    expect(r.errors).toHaveLength(1);
    return r.errors[0]!;
  };

  it("reports an unterminated ${ at its offset", () => {
    expect(err("abc ${input.a")).toMatchObject({
      offset: 4,
      message: expect.stringContaining("unterminated"),
    });
    expect(err("${")).toMatchObject({ offset: 0 });
  });

  it("reports nested references as unterminated", () => {
    expect(err("${a ${b}}")).toMatchObject({ offset: 0, hint: "references cannot be nested" });
  });

  it("reports an empty ${}", () => {
    expect(err("x${}")).toMatchObject({ offset: 1, message: "empty reference ${}" });
    expect(err("${ }")).toMatchObject({ message: "empty reference ${ }" });
  });

  it("reports an unknown root with a did-you-mean over the roots", () => {
    expect(err("${inputs.a}")).toMatchObject({ hint: 'did you mean "input"?' });
    expect(err("${step.a.b}")).toMatchObject({ hint: 'did you mean "steps"?' });
    expect(err("${secrets.K}")).toMatchObject({ hint: 'did you mean "secret"?' });
    expect(err("${foo}")).toMatchObject({
      message: expect.stringContaining('"foo" is not one of input, row, steps'),
    });
  });

  it.each([
    ["${steps.only_step}", "must name a step and one of its outputs"],
    ["${steps.a.b.c}", "must name a step and one of its outputs"],
    ["${execution.when}", "execution has the fields id and started_at"],
    ["${execution}", "execution has the fields id and started_at"],
    ["${now.utc}", "now has no fields"],
    ["${env}", "must name one environment variable"],
    ["${env.1X}", "must name one environment variable"],
    ["${secret.A.B}", "must name one secret"],
    ["${input.x:-d}", "a default (:-) is only allowed"],
    ["${input..x}", "empty name between dots"],
    ["${input.a b}", "is not a name"],
    ["${input.{{x}}}", "is not a name"],
  ])("rejects %s", (s, message) => {
    expect(err(s).message).toContain(message);
  });

  it("reports every error and keeps the other parts", () => {
    const r = parseTemplate("${nw} ok ${input.a} ${}");
    expect(r.errors.map((e) => e.offset)).toEqual([0, 20]);
    expect(r.parts.filter((p) => p.kind === "ref")).toHaveLength(1);
  });
});
