import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { JSON_SCHEMA_PATH, renderJsonSchema } from "../../scripts/gen-json-schema.ts";

describe("schema/gen-spec.schema.json", () => {
  const committed = readFileSync(JSON_SCHEMA_PATH, "utf8");
  const schema = JSON.parse(committed) as Record<string, unknown> & {
    properties: Record<string, Record<string, unknown>>;
  };

  it("is up to date (run `npx tsx scripts/gen-json-schema.ts` after changing generator/spec/schema.ts)", () => {
    expect(committed).toBe(renderJsonSchema());
  });

  it("has the header fields", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe("https://gen.dev/schema/gen-spec.schema.json");
    expect(schema.title).toBe("gen spec (v1)");
  });

  it("describes the top level (input side: defaults optional, unknown keys rejected)", () => {
    expect(Object.keys(schema.properties)).toEqual([
      "version",
      "project",
      "connections",
      "workflows",
      "auto_restart",
      "sync",
      "alerts",
    ]);
    // connections and workflows are optional: a spec with only auto_restart builds a package
    expect(schema.required).toEqual(["version", "project"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.patternProperties).toEqual({ "^x-": {} });
    expect(schema.properties.workflows).toMatchObject({ type: "array", minItems: 1 });
    expect(schema.properties.connections).toMatchObject({ type: "object", minProperties: 1 });
  });

  it("describes steps, with identifier patterns and defaults", () => {
    const text = JSON.stringify(schema);
    const step = (
      schema.properties.workflows as { items: { properties: { steps: { items: Record<string, unknown> } } } }
    ).items.properties.steps.items as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
    expect(step.required).toEqual(["name", "request"]);
    expect(step.properties.name).toMatchObject({
      type: "string",
      pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
      maxLength: 63,
    });
    const request = step.properties.request as { properties: Record<string, Record<string, unknown>> };
    expect(request.properties.method).toMatchObject({
      default: "GET",
      enum: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    });
    expect(request.properties.path).toMatchObject({ type: "string", pattern: "^\\/.*" });
    expect(text).not.toContain('"format":"starts_with"');
    expect(text).not.toContain("__schema");
  });
});
