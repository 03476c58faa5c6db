import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonPath } from "../../generator/spec/index.ts";
import { formatJsonPath } from "../../generator/spec/jsonpath.ts";

describe("parseJsonPath: supported subset", () => {
  it.each([
    ["$", []],
    ["$.a", ["a"]],
    ["$.a.b", ["a", "b"]],
    ["$.policy_id", ["policy_id"]],
    ["$.a-b", ["a-b"]],
    ["$.a[0]", ["a", 0]],
    ["$.a[12].b", ["a", 12, "b"]],
    ["$.a[-1]", ["a", -1]],
    ["$[0]", [0]],
    ["$['key with space']", ["key with space"]],
    ['$["k"]', ["k"]],
    ["$['a']['b'][2]", ["a", "b", 2]],
    ["$['{{ x }}']", ["{{ x }}"]],
    ["$['{% if %}']", ["{% if %}"]],
    ["$['$$']", ["$$"]],
    ["$['🚀 été']", ["🚀 été"]],
    ["$['it\\'s']", ["it's"]],
    ['$["say \\"hi\\""]', ['say "hi"']],
    ["$['back\\\\slash']", ["back\\slash"]],
    ["$['line\nbreak']", ["line\nbreak"]],
    ["$['a.b']", ["a.b"]],
    ['$["a]b"]', ["a]b"]],
  ])("parses %j", (path, segments) => {
    expect(parseJsonPath(path)).toEqual({ segments });
  });

  it("round-trips through formatJsonPath (property)", () => {
    const segment = fc.oneof(fc.string({ unit: "grapheme" }), fc.integer({ min: -1000, max: 1000 }));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        expect(parseJsonPath(formatJsonPath(segments))).toEqual({ segments });
      }),
    );
  });
});

describe("parseJsonPath: errors", () => {
  it.each([
    ["", "empty JSONPath"],
    ["policy_id", 'a JSONPath starts with "$", e.g. "$.policy_id"'],
    [".a", '"$.a"'],
    ["[0]", '"$[0]"'],
    [" $.a", "spaces"],
    ["$.*", "wildcards (*) are not supported"],
    ["$.a[*]", "wildcards ([*]) are not supported"],
    ["$.a.*.b", "wildcards (*) are not supported"],
    ["$..a", "recursive descent (..) is not supported"],
    ["$.a[?(@.x == 1)]", "filters ([?(...)]) are not supported"],
    ["$.a[0:2]", "slices ([a:b]) are not supported"],
    ["$.a[0,1]", "unions ([a,b]) are not supported"],
    ["$['a','b']", "unions ([a,b]) are not supported"],
    ["$.a[(@.length-1)]", "script expressions are not supported"],
    ["$.a[", 'missing "]"'],
    ["$['a", "unterminated single-quoted key"],
    ['$["a', "unterminated double-quoted key"],
    ["$.a[x]", 'expected an index or a quoted key inside [], got "x"'],
    ["$.a.", "must not end with ."],
    ["$.a b", 'unexpected " "'],
    ["$a", 'unexpected "a"'],
    ["$.{{x}}", "quote such keys"],
    ["$.a[99999999999999999999]", "too large"],
  ])("rejects %j", (path, message) => {
    const r = parseJsonPath(path);
    expect(r).toHaveProperty("error");
    expect((r as { error: string }).error).toContain(message);
  });
});
