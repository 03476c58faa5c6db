import { describe, expect, it } from "vitest";
import { formatPath, loadYaml } from "../../generator/spec/load.ts";
import { parseSpec } from "../../generator/spec/index.ts";

const SPEC = `# leading comment
version: 1
project:
  name: demo      # trailing comment
  targets: [duckdb, snowflake]
connections:
  policy_api:
    base_url: "http://127.0.0.1:8787"
    headers: { Accept: application/json, "X Two": 'v' }
workflows:
  - name: wf
    steps:
      - name: first
        request: { connection: policy_api, path: /a }
      -   name: second
          request:
            connection: policy_api
            path: /b/\${steps.first.id}
          body: |
            text
`;

describe("formatPath", () => {
  it("joins keys and indices like a JSON path", () => {
    expect(formatPath(["workflows", 0, "steps", 1, "name"])).toBe("workflows[0].steps[1].name");
    expect(formatPath(["connections", "policy api", "headers", "X-Key"])).toBe(
      'connections["policy api"].headers.X-Key',
    );
    expect(formatPath([0, "a"])).toBe("[0].a");
    expect(formatPath([])).toBe("");
  });
});

describe("loadYaml positions", () => {
  const { data, source, diagnostics } = loadYaml(SPEC, "spec.yaml");

  it("loads plain data without diagnostics", () => {
    expect(diagnostics).toEqual([]);
    expect(data).toMatchObject({ version: 1, project: { name: "demo" } });
  });

  it("records value and key positions of nested block values (1-based)", () => {
    expect(source.positions.get("version")).toEqual({ line: 2, col: 10, keyLine: 2, keyCol: 1 });
    expect(source.positions.get("project.name")).toEqual({ line: 4, col: 9, keyLine: 4, keyCol: 3 });
    expect(source.positions.get("workflows[0].name")).toEqual({ line: 11, col: 11, keyLine: 11, keyCol: 5 });
    expect(source.positions.get("workflows[0].steps[1].name")).toEqual({
      line: 15,
      col: 17,
      keyLine: 15,
      keyCol: 11,
    });
    expect(source.positions.get("workflows[0].steps[1].request.path")).toEqual({
      line: 18,
      col: 19,
      keyLine: 18,
      keyCol: 13,
    });
  });

  it("records positions inside flow collections", () => {
    expect(source.positions.get("project.targets[1]")).toEqual({ line: 5, col: 21 });
    expect(source.positions.get("connections.policy_api.headers.Accept")).toEqual({
      line: 9,
      col: 24,
      keyLine: 9,
      keyCol: 16,
    });
    expect(source.positions.get('connections.policy_api.headers["X Two"]')).toEqual({
      line: 9,
      col: 51,
      keyLine: 9,
      keyCol: 42,
    });
    expect(source.positions.get("workflows[0].steps[0].request.path")).toEqual({
      line: 14,
      col: 50,
      keyLine: 14,
      keyCol: 44,
    });
  });

  it("points a collection at its first entry and a list item at its content", () => {
    expect(source.positions.get("project")).toMatchObject({ line: 4, col: 3, keyLine: 3, keyCol: 1 });
    expect(source.positions.get("workflows[0].steps")).toMatchObject({ line: 13, col: 7 });
    expect(source.positions.get("workflows[0].steps[1]")).toEqual({ line: 15, col: 11 });
    expect(source.positions.get("workflows[0].steps[1].body")).toMatchObject({ line: 19, col: 17 });
  });

  it("locates keys, values and unknown paths (nearest ancestor)", () => {
    expect(source.locate(["project", "name"])).toEqual({ file: "spec.yaml", line: 4, col: 9 });
    expect(source.locate(["project", "name"], { key: true })).toEqual({ file: "spec.yaml", line: 4, col: 3 });
    expect(source.locate(["project", "nope", "deeper"])).toEqual({ file: "spec.yaml", line: 4, col: 3 });
    expect(source.locate(["workflows", 0, "steps", 1], { key: true })).toEqual({
      file: "spec.yaml",
      line: 15,
      col: 11,
    });
  });

  it("locates an offset inside plain and quoted strings", () => {
    const path = ["workflows", 0, "steps", 1, "request", "path"];
    expect(source.locateInString(path, "/b/${steps.first.id}", 3)).toMatchObject({ line: 18, col: 22 });
    const url = ["connections", "policy_api", "base_url"];
    expect(source.locateInString(url, "http://127.0.0.1:8787", 7)).toMatchObject({ line: 8, col: 23 });
    // block scalars: the start of the value
    const body = ["workflows", 0, "steps", 1, "body"];
    expect(source.locateInString(body, "text\n", 2)).toMatchObject({ line: 19, col: 17 });
  });

  it("handles CRLF line endings and a byte order mark", () => {
    const text = "\uFEFFversion: 1\r\nproject:\r\n  name: x\r\n";
    const r = loadYaml(text, "f.yaml");
    expect(r.diagnostics).toEqual([]);
    expect(r.source.positions.get("project.name")).toEqual({ line: 3, col: 9, keyLine: 3, keyCol: 3 });
  });

  it("keeps dates and other YAML 1.1 scalars as strings", () => {
    const r = loadYaml("a: 2024-01-01\nb: yes\nc: 0x1F\n", "f.yaml");
    expect(r.data).toEqual({ a: "2024-01-01", b: "yes", c: 31 });
  });

  it("applies merge keys", () => {
    const r = loadYaml("base: &b { x: 1, y: 2 }\nuse:\n  <<: *b\n  y: 3\n", "f.yaml");
    expect(r.data).toEqual({ base: { x: 1, y: 2 }, use: { x: 1, y: 3 } });
    expect(r.source.positions.get("use.y")).toEqual({ line: 4, col: 6, keyLine: 4, keyCol: 3 });
    // merged entries have no position of their own: locate falls back to the mapping
    expect(r.source.locate(["use", "x"])).toMatchObject({ line: 3, col: 3 });
  });
});

describe("loadYaml errors", () => {
  const one = (text: string) => {
    const r = loadYaml(text, "f.yaml");
    expect(r.diagnostics).toHaveLength(1);
    return r.diagnostics[0]!;
  };

  it("reports a YAML syntax error at js-yaml's mark, with a plain message", () => {
    const d = one("a: 1\nb:\n  c: 1\n   d: 2\n");
    expect(d).toMatchObject({
      severity: "error",
      code: "yaml-syntax",
      message: "YAML syntax error: bad indentation of a mapping entry",
      location: { file: "f.yaml", line: 4, col: 5 }, // js-yaml marks the ":" of the misplaced entry
    });
    expect(d.message).not.toContain("\n");
  });

  it("keeps the location of tabs used for indentation", () => {
    const d = one("a:\n  b: 1\n\tc: 2\n");
    expect(d).toMatchObject({
      code: "yaml-syntax",
      message: "YAML syntax error: tab characters must not be used in indentation",
      hint: "indent with spaces, not tabs",
      location: { line: 3, col: 1 },
    });
  });

  it("explains an unquoted ${...} inside a flow mapping", () => {
    const d = one("a: 1\nbody: { id: ${steps.a.b}, x: 1 }\n");
    expect(d).toEqual({
      severity: "error",
      code: "yaml-unquoted-reference",
      message: "`${...}` inside a YAML flow collection must be quoted",
      hint: 'write "${steps.a.b}" (in quotes)',
      location: { file: "f.yaml", line: 2, col: 13 },
    });
  });

  it("explains an unquoted ${...} inside a flow sequence, also across lines", () => {
    expect(one("list: [ a, ${x.y} ]\n")).toMatchObject({
      code: "yaml-unquoted-reference",
      hint: 'write "${x.y}" (in quotes)',
      location: { line: 1, col: 12 },
    });
    expect(one("list: [ ${input} ]\n")).toMatchObject({ location: { line: 1, col: 9 } });
    expect(one("body: {\n  id: ${steps.a.b},\n  x: 1 }\n")).toMatchObject({
      code: "yaml-unquoted-reference",
      location: { line: 2, col: 7 },
    });
  });

  it("does not blame ${...} for an unrelated flow error", () => {
    expect(one("a: [1, 2\nb: 3\n")).toMatchObject({ code: "yaml-syntax" });
  });

  it("explains an unquoted JSONPath with brackets inside a flow mapping", () => {
    expect(one("outputs: { a: $.x, b: $.items[0].id }\n")).toMatchObject({
      code: "yaml-unquoted-jsonpath",
      hint: 'write "$.items[0].id" (in quotes)',
      location: { line: 1, col: 23 },
    });
  });

  it("reports every duplicate key at the second occurrence and keeps loading", () => {
    const r = loadYaml("a: 1\nb:\n  c: 1\n  c: 2\na: 3\nd: { e: 1, e: 2 }\n", "f.yaml");
    expect(r.data).toEqual({ a: 3, b: { c: 2 }, d: { e: 2 } });
    expect(r.diagnostics.map((d) => [d.code, d.message, d.location?.line, d.location?.col, d.hint])).toEqual([
      ["duplicate-key", 'duplicate key "c"', 4, 3, "first defined at line 3; YAML keeps only the last value"],
      ["duplicate-key", 'duplicate key "a"', 5, 1, "first defined at line 1; YAML keeps only the last value"],
      [
        "duplicate-key",
        'duplicate key "e"',
        6,
        12,
        "first defined at line 6; YAML keeps only the last value",
      ],
    ]);
  });

  it("reports an empty file, a comment-only file and a null document", () => {
    for (const text of ["", "# just a comment\n", "---\n", "~\n"]) {
      expect(one(text)).toMatchObject({ code: "empty-spec", location: { line: 1, col: 1 } });
    }
  });

  it("reports a top level that is not a mapping", () => {
    expect(one("- a\n- b\n")).toMatchObject({
      code: "not-a-mapping",
      message: expect.stringContaining("got a list"),
    });
    expect(one("just text\n")).toMatchObject({
      code: "not-a-mapping",
      message: expect.stringContaining("got a string"),
    });
  });

  it("reports several documents", () => {
    expect(one("a: 1\n---\nb: 2\n")).toMatchObject({ code: "multiple-documents", location: { line: 3 } });
  });
});

describe("parseSpec", () => {
  it("returns diagnostics sorted by line and column", () => {
    const { spec, diagnostics } = parseSpec(
      "version: 1\nproject: { name: a-b, targets: [duckdb] }\nconnections: { api: { base_url: 'x' } }\nworkflows: []\n",
      "f.yaml",
    );
    expect(spec).toBeUndefined();
    const positions = diagnostics.map((d) => [d.location!.line, d.location!.col]);
    expect(positions).toEqual([...positions].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    expect(diagnostics.map((d) => d.code)).toEqual(["invalid-identifier", "base-url", "out-of-range"]);
  });

  it("ignores top-level x- keys, which can hold YAML anchors", () => {
    const { spec, diagnostics } = parseSpec(
      [
        "x-request: &req { connection: api, path: /a }",
        "version: 1",
        "project: { name: p, targets: [duckdb] }",
        "connections: { api: { base_url: 'http://h' } }",
        "workflows: [{ name: w, steps: [{ name: s, request: *req }] }]",
      ].join("\n"),
      "f.yaml",
    );
    expect(diagnostics).toEqual([]);
    expect(spec?.workflows[0]?.steps[0]?.request.path).toBe("/a");
    expect(spec).not.toHaveProperty("x-request");
  });

  it("reports the path of each diagnostic", () => {
    const { diagnostics } = parseSpec(
      "version: 1\nproject: { name: p, targets: [duckdb] }\nconnections: { api: { base_url: 'http://h' } }\n" +
        "workflows: [{ name: w, steps: [{ name: s, request: { connection: apx, path: /a } }] }]\n",
      "f.yaml",
    );
    expect(diagnostics).toEqual([
      {
        severity: "error",
        code: "unknown-connection",
        message: 'unknown connection "apx"',
        hint: 'did you mean "api"?',
        location: { file: "f.yaml", line: 4, col: 66 },
        path: "workflows[0].steps[0].request.connection",
      },
    ]);
  });
});
