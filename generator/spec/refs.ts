/**
 * The spec's own reference syntax, `${...}`, inside string values:
 *
 *   ${input}  ${input.a.b}  ${steps.<step>.<output>}  ${execution.id}  ${execution.started_at}
 *   ${now}  ${env.NAME}  ${env.NAME:-default text}  ${var.NAME}  ${var.NAME:-default text}  ${secret.NAME}
 *   ${row.<column>} (with for_each)
 *
 * `$${` is a literal `${`. Everything else (`{{ }}`, `{% %}`, `$$`, quotes, unicode) is plain text.
 */
import { didYouMean } from "./suggest.ts";

export const REF_ROOTS = ["input", "row", "steps", "execution", "now", "env", "var", "secret"] as const;
export type RefRoot = (typeof REF_ROOTS)[number];

export const EXECUTION_FIELDS = ["id", "started_at"] as const;

export interface TextPart {
  kind: "text";
  text: string;
}

export interface RefPart {
  kind: "ref";
  /** the reference as written, `${...}` included */
  raw: string;
  root: RefRoot;
  /** the segments after the root: `${steps.a.b}` -> ["a", "b"], `${env.X}` -> ["X"], `${now}` -> [] */
  path: string[];
  /** `${env.X:-default}` and `${var.X:-default}` only */
  default?: string;
  /** index of the `$` in the template string */
  offset: number;
}

export type TemplatePart = TextPart | RefPart;

export interface TemplateError {
  /** index in the template string where the problem starts */
  offset: number;
  message: string;
  hint?: string;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  errors: TemplateError[];
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isRoot(s: string): s is RefRoot {
  return (REF_ROOTS as readonly string[]).includes(s);
}

/** Parse one `${...}` body; returns the ref or an error message (with optional hint). */
function parseRef(raw: string, inner: string, offset: number): RefPart | Omit<TemplateError, "offset"> {
  let expr = inner;
  let def: string | undefined;
  const sep = inner.indexOf(":-");
  if (sep >= 0) {
    expr = inner.slice(0, sep);
    def = inner.slice(sep + 2);
  }
  expr = expr.trim();
  if (expr === "") {
    return { message: `empty reference ${raw}`, hint: "write for example ${input.name} or ${env.NAME}" };
  }
  const segments = expr.split(".");
  if (segments.some((s) => s === "")) {
    return { message: `malformed reference ${raw}: empty name between dots` };
  }
  const badSeg = segments.find((s) => !SEGMENT.test(s));
  if (badSeg !== undefined) {
    return {
      message: `malformed reference ${raw}: ${JSON.stringify(badSeg)} is not a name`,
      hint: "names in ${...} use letters, digits, _ and -; write $${ for a literal ${",
    };
  }
  const [root, ...path] = segments as [string, ...string[]];
  if (!isRoot(root)) {
    return {
      message: `unknown reference ${raw}: ${JSON.stringify(root)} is not one of ${REF_ROOTS.join(", ")}`,
      hint: didYouMean(root, REF_ROOTS) ?? "write $${ for a literal ${",
    };
  }
  if (def !== undefined && root !== "env" && root !== "var") {
    return {
      message: `${raw}: a default (:-) is only allowed in \${env.NAME:-default} and \${var.NAME:-default}`,
    };
  }
  switch (root) {
    case "input":
      break;
    case "row":
      // the column goes into the SQL that reads the model's rows: an identifier, nothing else
      if (path.length !== 1 || !VAR_NAME.test(path[0]!)) {
        return {
          message: `${raw} must name one column of the for_each model`,
          hint: "write ${row.<column>}: letters, digits and _, not starting with a digit",
        };
      }
      break;
    case "steps":
      if (path.length !== 2) {
        return {
          message: `${raw} must name a step and one of its outputs`,
          hint: "write ${steps.<step>.<output>}",
        };
      }
      break;
    case "execution":
      if (path.length !== 1 || !(EXECUTION_FIELDS as readonly string[]).includes(path[0]!)) {
        const field = path.join(".");
        return {
          message: `unknown reference ${raw}: execution has the fields ${EXECUTION_FIELDS.join(" and ")}`,
          hint:
            (field && didYouMean(field, EXECUTION_FIELDS)) ||
            "write ${execution.id} or ${execution.started_at}",
        };
      }
      break;
    case "now":
      if (path.length !== 0) return { message: `${raw}: now has no fields`, hint: "write ${now}" };
      break;
    case "env":
    case "var":
    case "secret":
      if (path.length !== 1 || !VAR_NAME.test(path[0]!)) {
        const what = { env: "environment variable", var: "dbt var (--vars)", secret: "secret" }[root];
        return {
          message: `${raw} must name one ${what}`,
          hint: `write \${${root}.NAME}: letters, digits and _, not starting with a digit`,
        };
      }
      break;
  }
  const ref: RefPart = { kind: "ref", raw, root, path, offset };
  if (def !== undefined) ref.default = def;
  return ref;
}

export function parseTemplate(s: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: TemplateError[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") parts.push({ kind: "text", text });
    text = "";
  };
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("$${", i)) {
      text += "${";
      i += 3;
      continue;
    }
    if (!s.startsWith("${", i)) {
      // copy up to the next "$" in one go
      const next = s.indexOf("$", i + 1);
      const end = next < 0 ? s.length : next;
      text += s.slice(i, end);
      i = end;
      continue;
    }
    const close = s.indexOf("}", i + 2);
    if (close < 0) {
      errors.push({
        offset: i,
        message: `unterminated reference ${JSON.stringify(s.slice(i, i + 30))}: missing "}"`,
        hint: 'close it with "}", or write $${ for a literal ${',
      });
      text += s.slice(i);
      break;
    }
    const raw = s.slice(i, close + 1);
    const inner = s.slice(i + 2, close);
    if (inner.includes("${")) {
      errors.push({
        offset: i,
        message: `unterminated reference ${JSON.stringify(s.slice(i, i + 2 + inner.indexOf("${")))}: missing "}"`,
        hint: "references cannot be nested",
      });
      text += raw;
      i = close + 1;
      continue;
    }
    const ref = parseRef(raw, inner, i);
    if ("kind" in ref) {
      flush();
      parts.push(ref);
    } else {
      errors.push({ offset: i, ...ref });
      text += raw;
    }
    i = close + 1;
  }
  flush();
  return { parts, errors };
}

/** True when the template is exactly one reference (its value keeps its JSON type when substituted). */
export function isSingleRef(parsed: ParsedTemplate): parsed is ParsedTemplate & { parts: [RefPart] } {
  return parsed.errors.length === 0 && parsed.parts.length === 1 && parsed.parts[0]!.kind === "ref";
}
