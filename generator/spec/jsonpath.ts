/**
 * The JSONPath subset that step outputs and poll status use:
 * `$`, `$.a.b`, `$.a[0]`, `$.a[-1]`, `$['key with space']`, `$["k"]`.
 * No wildcards, filters, slices, unions or recursive descent.
 */

/** A key (string) or an array index (number; negative counts from the end). */
export type JsonPathSegment = string | number;

export type JsonPathResult = { segments: JsonPathSegment[] } | { error: string };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_-]/;

export function parseJsonPath(s: string): JsonPathResult {
  if (s.length === 0) return { error: "empty JSONPath; use $ for the whole response" };
  if (s.trim() !== s) return { error: "a JSONPath must not start or end with spaces" };
  if (s[0] !== "$") {
    const fixed = s[0] === "." || s[0] === "[" ? `$${s}` : `$.${s}`;
    return { error: `a JSONPath starts with "$", e.g. "${fixed}"` };
  }
  const segments: JsonPathSegment[] = [];
  let i = 1;
  const at = () => `at position ${i + 1}`;
  while (i < s.length) {
    const ch = s[i];
    if (ch === ".") {
      if (s[i + 1] === ".") return { error: "recursive descent (..) is not supported" };
      if (s[i + 1] === "*") return { error: "wildcards (*) are not supported" };
      if (s[i + 1] === "[") return { error: `unexpected "[" after "." ${at()}` };
      const start = i + 1;
      let j = start;
      if (j >= s.length) return { error: "a JSONPath must not end with ." };
      if (!NAME_START.test(s[j]!) && !/[0-9]/.test(s[j]!)) {
        return { error: `unexpected ${JSON.stringify(s[j])} ${at()}; quote such keys: $['...']` };
      }
      while (j < s.length && NAME_CHAR.test(s[j]!)) j++;
      segments.push(s.slice(start, j));
      i = j;
    } else if (ch === "[") {
      const next = s[i + 1];
      if (next === "'" || next === '"') {
        const quote = next;
        let j = i + 2;
        let key = "";
        for (;;) {
          if (j >= s.length)
            return { error: `unterminated ${quote === "'" ? "single" : "double"}-quoted key` };
          const c = s[j]!;
          if (c === "\\") {
            const e = s[j + 1];
            if (e === undefined) return { error: "a JSONPath must not end with \\" };
            key += e;
            j += 2;
            continue;
          }
          if (c === quote) break;
          key += c;
          j++;
        }
        if (s[j + 1] !== "]") {
          if (s[j + 1] === ",") return { error: "unions ([a,b]) are not supported" };
          return { error: `expected "]" after the quoted key ${at()}` };
        }
        segments.push(key);
        i = j + 2;
      } else {
        const close = s.indexOf("]", i);
        if (close < 0) return { error: 'missing "]"' };
        const inner = s.slice(i + 1, close).trim();
        if (inner === "*") return { error: "wildcards ([*]) are not supported" };
        if (inner.startsWith("?")) return { error: "filters ([?(...)]) are not supported" };
        if (inner.startsWith("(")) return { error: "script expressions are not supported" };
        if (inner.includes(":")) return { error: "slices ([a:b]) are not supported" };
        if (inner.includes(",")) return { error: "unions ([a,b]) are not supported" };
        if (!/^-?[0-9]+$/.test(inner)) {
          return { error: `expected an index or a quoted key inside [], got ${JSON.stringify(inner)}` };
        }
        const n = Number(inner);
        if (!Number.isSafeInteger(n)) return { error: `index ${inner} is too large` };
        segments.push(n === 0 ? 0 : n); // no -0
        i = close + 1;
      }
    } else if (ch === "*") {
      return { error: "wildcards (*) are not supported" };
    } else {
      return { error: `unexpected ${JSON.stringify(ch)} ${at()}; use .key, [0] or ['key']` };
    }
  }
  return { segments };
}

/** The canonical text of a parsed path (`$.a[0]['b c']`). */
export function formatJsonPath(segments: readonly JsonPathSegment[]): string {
  let out = "$";
  for (const seg of segments) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += `.${seg}`;
    else out += `['${seg.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}']`;
  }
  return out;
}
