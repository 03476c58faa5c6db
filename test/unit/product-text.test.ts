/**
 * Product text (README, gen's sources, templates, runtime, JSON Schema) describes behaviour: it never cites the
 * seed documents, issue numbers or DESIGN.md, which a user of gen does not have.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOTS = ["README.md", "generator", "dbt_project_template", "runtime", "schema", "specs"];
const FORBIDDEN: [RegExp, string][] = [
  [/\bseeds? ?0\d\d\b/i, "a seed number"],
  [/\bthe seeds?'s?\b(?! file)/i, "the seed documents"],
  [/\bseed (?:documents?|monitoring)\b/i, "the seed documents"],
  [/DESIGN\.md/, "DESIGN.md"],
];

function files(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((name) => (name === "node_modules" ? [] : files(join(path, name))));
}

describe("product text", () => {
  it("cites no seed, issue or DESIGN.md", () => {
    const found: string[] = [];
    for (const file of ROOTS.flatMap(files)) {
      if (!/\.(ts|sql|yml|yaml|md|json|py)$/.test(file)) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          for (const [pattern, what] of FORBIDDEN)
            if (pattern.test(line)) found.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
