import { parseTemplate, type TemplatePart } from "../spec/refs.ts";
import type { TemplatePartDef, ValueTemplate } from "./types.ts";

/** Converts a validated `${...}` template string into the runtime's part list. */
export function compileTemplate(text: string): TemplatePartDef[] {
  const { parts, errors } = parseTemplate(text);
  if (errors.length > 0) throw new Error(`internal: unvalidated template ${JSON.stringify(text)}`);
  const out: TemplatePartDef[] = [];
  for (const part of parts) {
    const def = toPartDef(part);
    const last = out[out.length - 1];
    // Adjacent text parts are merged so that generated definitions stay readable.
    if ("text" in def && last && "text" in last) last.text += def.text;
    else out.push(def);
  }
  return out;
}

function toPartDef(part: TemplatePart): TemplatePartDef {
  if (part.kind === "text") return { text: part.text };
  switch (part.root) {
    case "env":
      return { env: part.path[0] ?? "", default: part.default ?? null };
    case "var":
      return { var: part.path[0] ?? "", default: part.default ?? null };
    case "secret":
      return { secret: part.path[0] ?? "" };
    case "now":
      return { now: true };
    default:
      return { ref: [part.root, ...part.path] };
  }
}

/** True when a template is plain text (no references). */
export function isPlainText(parts: TemplatePartDef[]): boolean {
  return parts.every((p) => "text" in p);
}

/** Compiles a JSON value whose strings may hold references. Reference-free subtrees stay literal
 * (with `$${` escapes already turned into `${`). */
export function compileValue(value: unknown): ValueTemplate {
  if (typeof value === "string") {
    const parts = compileTemplate(value);
    if (isPlainText(parts)) return { literal: parts.map((p) => ("text" in p ? p.text : "")).join("") };
    const only = parts[0];
    if (parts.length === 1 && only && !("text" in only) && !("secret" in only)) return { value: only };
    return { string: parts };
  }
  if (Array.isArray(value)) {
    const items = value.map(compileValue);
    if (items.every((i) => "literal" in i))
      return { literal: items.map((i) => ("literal" in i ? i.literal : null)) };
    return { array: items };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => [k, compileValue(v)] as [string, ValueTemplate],
    );
    if (entries.every(([, v]) => "literal" in v))
      return { literal: Object.fromEntries(entries.map(([k, v]) => [k, "literal" in v ? v.literal : null])) };
    return { object: entries };
  }
  return { literal: value };
}

/** Every `${env.X}` and `${secret.X}` used in a set of templates. */
export function collectRefs(templates: TemplatePartDef[][]): {
  env: Map<string, string | null>;
  secrets: Set<string>;
} {
  const env = new Map<string, string | null>();
  const secrets = new Set<string>();
  for (const parts of templates)
    for (const p of parts) {
      if ("env" in p && !env.has(p.env)) env.set(p.env, p.default);
      if ("secret" in p) secrets.add(p.secret);
    }
  return { env, secrets };
}

export function valueTemplateParts(vt: ValueTemplate | null): TemplatePartDef[][] {
  if (vt === null || "literal" in vt) return [];
  if ("string" in vt) return [vt.string];
  if ("value" in vt) return [[vt.value]];
  if ("array" in vt) return vt.array.flatMap(valueTemplateParts);
  return vt.object.flatMap(([, v]) => valueTemplateParts(v));
}
