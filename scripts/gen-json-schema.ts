/**
 * Writes schema/gen-spec.schema.json from the zod schema (generator/spec/schema.ts).
 * Run: npx tsx scripts/gen-json-schema.ts   (test/unit/spec-schema.test.ts fails when the file is stale)
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { specJsonSchema } from "../generator/spec/schema.ts";

export const JSON_SCHEMA_PATH = fileURLToPath(new URL("../schema/gen-spec.schema.json", import.meta.url));

export function renderJsonSchema(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(JSON_SCHEMA_PATH, renderJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
}
