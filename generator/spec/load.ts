/**
 * Load: YAML text -> plain object + a map from JSON path (`workflows[0].steps[1].name`) to
 * line:col, built from js-yaml's `listener` events. Pure: no file system.
 */
import yaml from "js-yaml";
import type { Diagnostic, SourceLocation } from "../errors.ts";

export type PathSegment = string | number;

/** 1-based positions of a value and, for mapping entries, of its key. */
export interface NodePosition {
  line: number;
  col: number;
  keyLine?: number;
  keyCol?: number;
}

export type PositionMap = Map<string, NodePosition>;

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `["workflows", 0, "steps", 1, "name"]` -> `workflows[0].steps[1].name`; odd keys as `["a b"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of segments) out = appendPath(out, seg);
  return out;
}

/** `formatPath([...segments, seg])` given `formatPath(segments)`: constant work per segment. */
function appendPath(formatted: string, seg: PropertyKey): string {
  if (typeof seg === "number") return `${formatted}[${seg}]`;
  const key = String(seg);
  if (SIMPLE_KEY.test(key)) return formatted === "" ? key : `${formatted}.${key}`;
  return `${formatted}[${JSON.stringify(key)}]`;
}

/** Locations of values in one YAML file. */
export class SourceIndex {
  private map: PositionMap;
  private compute?: () => PositionMap;
  private lineList?: string[];

  constructor(
    readonly file: string,
    readonly text: string,
    positions: PositionMap = new Map(),
  ) {
    this.map = positions;
  }

  /** Positions by formatted path (`workflows[0].name`), computed on first use. */
  get positions(): PositionMap {
    if (this.compute) {
      this.map = this.compute();
      this.compute = undefined;
    }
    return this.map;
  }

  /** Defers computing the positions until a lookup needs them (a valid spec never looks one up). */
  positionsFrom(compute: () => PositionMap): void {
    this.compute = compute;
  }

  get lines(): string[] {
    return (this.lineList ??= this.text.split("\n"));
  }

  /** The position of `path`, or of its nearest ancestor that has one. */
  find(path: readonly PropertyKey[]): { pos: NodePosition; exact: boolean } | undefined {
    for (let n = path.length; n >= 0; n--) {
      const pos = this.positions.get(formatPath(path.slice(0, n)));
      if (pos) return { pos, exact: n === path.length };
    }
    return undefined;
  }

  /**
   * Where to point for `path`: its value, or its key with `{ key: true }` (falls back to the value
   * when there is no key, e.g. a list item). Unknown paths fall back to the nearest ancestor.
   */
  locate(path: readonly PropertyKey[], opts: { key?: boolean } = {}): SourceLocation {
    const found = this.find(path);
    if (!found) return { file: this.file, line: 1, col: 1 };
    const { pos } = found;
    if (opts.key && pos.keyLine !== undefined && pos.keyCol !== undefined) {
      return { file: this.file, line: pos.keyLine, col: pos.keyCol };
    }
    return { file: this.file, line: pos.line, col: pos.col };
  }

  /**
   * Where character `offset` of the string value at `path` is. Exact for single-line plain and
   * quoted scalars without escapes before the offset; otherwise the start of the value.
   */
  locateInString(path: readonly PropertyKey[], value: string, offset: number): SourceLocation {
    const loc = this.locate(path);
    const found = this.find(path);
    if (!found?.exact || offset < 0) return loc;
    const lineText = this.lines[loc.line - 1] ?? "";
    const rest = lineText.slice(loc.col - 1);
    const prefix = value.slice(0, offset + 1);
    if (prefix.includes("\n")) return loc;
    if (rest.startsWith(prefix)) return { ...loc, col: loc.col + offset };
    const q = rest[0];
    if ((q === '"' || q === "'") && rest.slice(1).startsWith(prefix))
      return { ...loc, col: loc.col + 1 + offset };
    return loc;
  }
}

interface TreeNode {
  open: number;
  end: number;
  kind: string | null;
  result: unknown;
  children: TreeNode[];
}

export interface LoadedYaml {
  /** the document as plain data; undefined when the YAML could not be read */
  data: unknown;
  source: SourceIndex;
  diagnostics: Diagnostic[];
}

// The core schema (no timestamps: dates stay strings) plus merge keys (`<<: *anchor`).
// @types/js-yaml does not declare `types`, which js-yaml exports.
const yamlTypes = (yaml as unknown as { types: { merge: yaml.Type } }).types;
const LOAD_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [yamlTypes.merge] });

/**
 * What one spec may make gen do while loading it (README.md, "The spec"). Far beyond any real spec
 * (500 workflows are 0.7 MB), low enough that a hostile file is refused in a moment.
 */
export const SPEC_LIMITS = {
  /** size of the spec file in bytes (UTF-8) */
  maxBytes: 4 * 1024 * 1024,
  /** mappings and lists inside each other, counting what aliases bring in */
  maxDepth: 100,
  /** values plus characters of the spec once every alias (`*name`) is expanded */
  maxExpandedSize: 8_000_000,
  /** entries copied by merge keys (`<<: *defaults`), in the whole spec */
  maxMergedEntries: 10_000,
} as const;

/**
 * js-yaml's own limits (its options, which @types/js-yaml does not declare). It counts a scalar as a
 * level too, and its check comes first; checkStructure then refuses nesting beyond
 * SPEC_LIMITS.maxDepth the same way whether aliases are involved or not.
 */
const jsYamlLimits: Record<string, number> = {
  maxDepth: SPEC_LIMITS.maxDepth + 2,
  maxTotalMergeKeys: SPEC_LIMITS.maxMergedEntries,
};

/** More diagnostics of one kind than this only repeat themselves (a binary file has millions). */
const MAX_REPORTED = 20;

/**
 * Characters outside YAML's printable set (plus every C1 control): PyYAML, so dbt, refuses a
 * generated file that holds one. Tab, line feed and carriage return are fine.
 */
const NON_PRINTABLE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
  /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function describeCharacter(ch: string): string {
  const code = ch.charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  if (code >= 0xd800 && code <= 0xdfff) return `a lone surrogate ${hex} (half of a character)`;
  if (code === 0xfffe || code === 0xffff) return `the noncharacter ${hex}`;
  return `the control character ${hex}`;
}

const CONTROL_CHARACTER_HINT =
  "remove it, as no generated file can hold it; tabs, line breaks and printable Unicode (accents, CJK, emoji) are fine";

/** A plain scalar that YAML's core schema reads as an integer (not a float such as 1e20). */
const INTEGER_TEXT = /^[-+]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|[0-9][0-9_]*)(?![0-9a-zA-Z_.])/;

/** A spec over SPEC_LIMITS.maxBytes, as text or as a file (`bytes` unknown when it grew while read). */
export function specTooLarge(bytes: number | undefined, location?: SourceLocation): Diagnostic {
  const mib = (n: number) => `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  return {
    severity: "error",
    code: "spec-too-large",
    message: `the spec is larger than gen's limit of ${mib(SPEC_LIMITS.maxBytes)}${bytes === undefined ? "" : ` (${mib(bytes)})`}`,
    hint: "split it into several specs; gen build takes several at once",
    ...(location ? { location } : {}),
  };
}

/** js-yaml's limit messages, as gen's own diagnostics. */
function limitDiagnostic(reason: string, location: SourceLocation): Diagnostic | undefined {
  if (/nesting exceeded maxDepth/.test(reason)) return tooDeep(location);
  if (/merge keys exceeded maxTotalMergeKeys/.test(reason))
    return {
      severity: "error",
      code: "yaml-alias-expansion",
      message: `merge keys (<<: *name) copy more than ${SPEC_LIMITS.maxMergedEntries.toLocaleString("en-US")} entries in this spec`,
      hint: "a merge key copies every entry of its anchor (&name); merge smaller anchors, or fewer times",
      location,
    };
  return undefined;
}

function tooDeep(location: SourceLocation): Diagnostic {
  return {
    severity: "error",
    code: "yaml-too-deep",
    message: `mappings and lists nest more than ${SPEC_LIMITS.maxDepth} levels deep here`,
    hint: "flatten the structure; an alias (*name) counts with the levels of what it refers to",
    location,
  };
}

/**
 * Walks the loaded data as the later stages will, every alias expanded, but visits each shared
 * mapping or list once (its size and depth are remembered), so a billion-laughs file costs no more
 * than its text. Refuses a value that contains itself (`&a [*a]`), nesting deeper than
 * SPEC_LIMITS.maxDepth, an expansion beyond SPEC_LIMITS.maxExpandedSize (values plus characters of
 * strings and keys), and `__proto__` keys, which JavaScript objects cannot keep as ordinary data.
 * Returns the first such problem.
 */
function checkStructure(root: unknown, source: SourceIndex): Diagnostic | undefined {
  /**
   * Each mapping or list visited: its size * LEVELS + its levels of mappings and lists (itself
   * included), one number so that a large spec costs one map entry per value; VISITING until done.
   */
  const LEVELS = 128;
  const VISITING = -1;
  const seen = new Map<object, number>();
  const path: PathSegment[] = [];
  const stop = (
    problem: Omit<Diagnostic, "severity" | "location" | "path">,
    opts: { key?: boolean } = {},
  ) => {
    throw new StructureProblem({
      severity: "error",
      ...problem,
      location: source.locate(path, opts),
      path: formatPath(path),
    });
  };
  const tooDeepHere = () => {
    throw new StructureProblem({ ...tooDeep(source.locate(path)), path: formatPath(path) });
  };

  /** The size of `value`; `depth` counts the mappings and lists around it. */
  const visit = (value: unknown, depth: number): number => {
    if (typeof value === "string") return 1 + value.length;
    if (value === null || typeof value !== "object") return 1;
    const known = seen.get(value);
    if (known === VISITING)
      stop({
        code: "yaml-alias-cycle",
        message: "this alias refers to a mapping or list that contains it, so the value never ends",
        hint: "an alias (*name) cannot point at the anchor (&name) it is written inside",
      });
    if (known !== undefined) {
      // an alias: its deepest mapping or list sits at depth + levels - 1
      if (depth + (known % LEVELS) - 1 > SPEC_LIMITS.maxDepth) tooDeepHere();
      return Math.floor(known / LEVELS);
    }
    if (depth > SPEC_LIMITS.maxDepth) tooDeepHere();
    seen.set(value, VISITING);
    const list = Array.isArray(value) ? (value as unknown[]) : undefined;
    const record = value as Record<string, unknown>;
    const keys = list ? undefined : Object.keys(record);
    const count = list ? list.length : keys!.length;
    let size = 1;
    let below = 0;
    for (let i = 0; i < count; i++) {
      const key = keys?.[i];
      path.push(key ?? i);
      if (key === "__proto__")
        stop(
          {
            code: "reserved-key",
            message: 'the key "__proto__" is not allowed',
            hint: "JavaScript gives __proto__ a special meaning, so gen cannot keep it as data; rename the key",
          },
          { key: true },
        );
      const child = key === undefined ? list![i] : record[key];
      size += (key?.length ?? 0) + visit(child, depth + 1);
      if (size > SPEC_LIMITS.maxExpandedSize)
        stop({
          code: "yaml-alias-expansion",
          message: `aliases expand the spec beyond ${SPEC_LIMITS.maxExpandedSize.toLocaleString("en-US")} values and characters`,
          hint: "an alias (*name) repeats everything under its anchor (&name); repeat less, or write the values out",
        });
      if (child !== null && typeof child === "object") below = Math.max(below, seen.get(child)! % LEVELS);
      path.pop();
    }
    seen.set(value, size * LEVELS + 1 + below);
    return size;
  };

  try {
    visit(root, 0);
    return undefined;
  } catch (e) {
    if (e instanceof StructureProblem) return e.diagnostic;
    throw e;
  }
}

class StructureProblem {
  constructor(readonly diagnostic: Diagnostic) {}
}

/** Offsets of line starts, for offset -> line:col. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function toLineCol(starts: number[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - starts[lo]! + 1 };
}

/** Skip spaces, line breaks and comments from `pos`. */
function skipBlank(text: string, pos: number): number {
  let p = pos;
  for (;;) {
    const ch = text[p];
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n") p++;
    else if (ch === "#" && (p === 0 || /[\s]/.test(text[p - 1]!))) {
      while (p < text.length && text[p] !== "\n") p++;
    } else return p;
  }
}

/** js-yaml sometimes reports a node inside a node with the same result; look through such wrappers. */
function unwrap(node: TreeNode): TreeNode {
  let n = node;
  while (n.children.length === 1 && n.children[0]!.result === n.result && n.children[0]!.kind === n.kind) {
    n = n.children[0]!;
  }
  return n;
}

function describeTopLevel(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "nothing";
  return `${typeof v === "string" ? "a string" : typeof v === "number" ? "a number" : typeof v}`;
}

const SYNTAX_HINTS: [RegExp, string][] = [
  [/tab characters/, "indent with spaces, not tabs"],
  [/bad indentation/, "check the indentation of this line against the lines above it"],
  [/colon is missed/, "write key: value, with a space after the colon"],
  [/unexpected end of the stream within a (double|single) quoted scalar/, "close the quoted string"],
];

/**
 * The common mistake of an unquoted `${...}` inside `{ ... }` or `[ ... ]`: YAML reads the `$`
 * as a value and then meets a flow mapping, and js-yaml reports only "missed comma".
 */
function unquotedFlowReference(
  text: string,
  pos: number,
  reason: string,
): { offset: number; ref: string } | undefined {
  let offset = -1;
  if (text[pos] === "{" && text[pos - 1] === "$") offset = pos - 1;
  else if (/flow/.test(reason)) {
    const lineStart = text.lastIndexOf("\n", pos - 1) + 1;
    const candidate = text.lastIndexOf("${", pos);
    if (candidate >= lineStart) offset = candidate;
  }
  if (offset < 0) return undefined;
  const lineEnd = text.indexOf("\n", offset);
  const close = text.indexOf("}", offset);
  const ref = close >= 0 && (lineEnd < 0 || close < lineEnd) ? text.slice(offset, close + 1) : "${...}";
  return { offset, ref };
}

/**
 * The same mistake with a JSONPath: `{ id: $.items[0].id }` makes YAML read `[` as the start
 * of a flow sequence.
 */
function unquotedFlowJsonPath(text: string, pos: number): { offset: number; path: string } | undefined {
  if (text[pos] !== "[") return undefined;
  let start = pos;
  while (start > 0 && !/[\s,{[]/.test(text[start - 1]!)) start--;
  if (text[start] !== "$" || start === pos) return undefined;
  let end = start;
  let depth = 0;
  for (; end < text.length; end++) {
    const c = text[end]!;
    if (c === "[") depth++;
    else if (c === "]") {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && /[\s,}]/.test(c)) break;
  }
  return { offset: start, path: text.slice(start, end) };
}

/** Every character of `text` outside YAML's printable set, each located (at most MAX_REPORTED). */
function rawControlCharacters(text: string, at: (offset: number) => SourceLocation): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const match of text.matchAll(NON_PRINTABLE)) {
    found.push({
      severity: "error",
      code: "control-character",
      message: `the spec file holds ${describeCharacter(match[0])}`,
      hint: CONTROL_CHARACTER_HINT,
      location: at(match.index),
    });
    if (found.length === MAX_REPORTED) break;
  }
  return found;
}

export function loadYaml(input: string, file: string): LoadedYaml {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const source = new SourceIndex(file, text);
  const diagnostics: Diagnostic[] = [];
  // Checked before anything else reads the text: reading it is what a hostile file attacks.
  const bytes = text.length > SPEC_LIMITS.maxBytes / 3 ? Buffer.byteLength(text, "utf8") : text.length;
  if (bytes > SPEC_LIMITS.maxBytes) {
    diagnostics.push(specTooLarge(bytes, { file, line: 1, col: 1 }));
    return { data: undefined, source, diagnostics };
  }
  const starts = lineStarts(text);
  const at = (offset: number): SourceLocation => ({ file, ...toLineCol(starts, offset) });
  const raw = rawControlCharacters(text, at);
  if (raw.length > 0) return { data: undefined, source, diagnostics: raw };

  const roots: TreeNode[] = [];
  const stack: TreeNode[] = [];
  // Scalars js-yaml composed that gen cannot keep: escapes such as "\x7f" or "\e" that make a
  // control character, integers beyond 2^53. Keyed by offset: js-yaml may compose a scalar twice.
  const badScalars = new Map<number, Diagnostic>();
  const checkScalar = (node: TreeNode, value: unknown): void => {
    if (badScalars.size >= MAX_REPORTED) return;
    const offset = skipBlank(text, node.open);
    if (badScalars.has(offset)) return;
    if (typeof value === "string") {
      const bad = value.match(NON_PRINTABLE)?.[0];
      if (bad !== undefined)
        badScalars.set(offset, {
          severity: "error",
          code: "control-character",
          message: `this ${text[skipBlank(text, node.end)] === ":" ? "key" : "string"} holds ${describeCharacter(bad)}`,
          hint: CONTROL_CHARACTER_HINT,
          location: at(offset),
        });
    } else if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      const written = INTEGER_TEXT.exec(text.slice(offset, offset + 100))?.[0];
      if (written !== undefined)
        badScalars.set(offset, {
          severity: "error",
          code: "unsafe-integer",
          message: `the integer ${written} is too large to keep exactly (the largest is ${Number.MAX_SAFE_INTEGER})`,
          hint: `quote it to keep it as text: "${written}"`,
          location: at(offset),
        });
    }
  };
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, null, {
      ...jsYamlLimits,
      schema: LOAD_SCHEMA,
      json: true, // duplicate keys are reported below, all of them, at the second key
      listener(event, state) {
        if (event === "open") {
          const node: TreeNode = {
            open: state.position,
            end: state.position,
            kind: null,
            result: undefined,
            children: [],
          };
          (stack.at(-1)?.children ?? roots).push(node);
          stack.push(node);
        } else {
          const node = stack.pop();
          if (node) {
            node.end = state.position;
            node.kind = state.kind;
            node.result = state.result;
            if (state.kind === "scalar") checkScalar(node, state.result);
          }
        }
      },
    });
  } catch (e) {
    if (!(e instanceof yaml.YAMLException)) throw e;
    const mark = (e as yaml.YAMLException & { mark?: { line: number; column: number; position: number } })
      .mark;
    const reason = e.reason || e.message;
    const flowRef = mark ? unquotedFlowReference(text, mark.position, reason) : undefined;
    const flowPath = mark && !flowRef ? unquotedFlowJsonPath(text, mark.position) : undefined;
    if (flowPath) {
      diagnostics.push({
        severity: "error",
        code: "yaml-unquoted-jsonpath",
        message: "a JSONPath with [ ] inside a YAML flow collection must be quoted",
        hint: `write "${flowPath.path}" (in quotes)`,
        location: at(flowPath.offset),
      });
    } else if (flowRef) {
      diagnostics.push({
        severity: "error",
        code: "yaml-unquoted-reference",
        message: "`${...}` inside a YAML flow collection must be quoted",
        hint: `write "${flowRef.ref}" (in quotes)`,
        location: at(flowRef.offset),
      });
    } else {
      const location = mark ? { file, line: mark.line + 1, col: mark.column + 1 } : { file, line: 1, col: 1 };
      const limit = limitDiagnostic(reason, location);
      const hint = SYNTAX_HINTS.find(([re]) => re.test(reason))?.[1];
      diagnostics.push(
        limit ?? {
          severity: "error",
          code: "yaml-syntax",
          message: `YAML syntax error: ${reason}`,
          ...(hint ? { hint } : {}),
          location,
        },
      );
    }
    return { data: undefined, source, diagnostics };
  }

  const valueStart = (node: TreeNode): number =>
    Math.min(skipBlank(text, node.open), Math.max(node.end, node.open));

  /**
   * Walks `node` (at `path`) and everything below it: records positions into `out.positions`, reports
   * duplicate keys into `out.duplicates`. Positions are only needed for diagnostics, so a good spec is
   * walked once for duplicates alone, and positions are computed on the first lookup.
   */
  const walk = (
    raw: TreeNode,
    path: string,
    keyOffset: number | undefined,
    out: { positions?: PositionMap; duplicates?: Diagnostic[] },
  ): void => {
    const node = unwrap(raw);
    if (out.positions) {
      const empty = node.kind === null && node.result === null; // `key:` with nothing after it
      const v = at(empty && keyOffset !== undefined ? keyOffset : valueStart(node));
      const pos: NodePosition = { line: v.line, col: v.col };
      if (keyOffset !== undefined) {
        const k = at(keyOffset);
        pos.keyLine = k.line;
        pos.keyCol = k.col;
      }
      out.positions.set(path, pos);
    }
    if (node.kind !== "mapping" && node.kind !== "sequence") return;
    const isPairKey = (child: TreeNode) => text[skipBlank(text, child.end)] === ":";
    const kids = node.children;
    if (node.kind === "mapping") {
      const seen = out.duplicates ? new Map<string, number>() : undefined;
      for (let i = 0; i < kids.length;) {
        const keyNode = unwrap(kids[i]!);
        const valueNode = isPairKey(kids[i]!) || isPairKey(keyNode) ? kids[i + 1] : undefined;
        i += valueNode ? 2 : 1;
        const key = String(keyNode.result);
        if (key === "<<" && keyNode.kind === "scalar") continue; // merge key: the merged entries keep no positions
        const keyAt = skipBlank(text, keyNode.open);
        const first = seen?.get(key);
        if (first !== undefined) {
          out.duplicates?.push({
            severity: "error",
            code: "duplicate-key",
            message: `duplicate key "${key}"`,
            hint: `first defined at line ${at(first).line}; YAML keeps only the last value`,
            location: at(keyAt),
            path: appendPath(path, key),
          });
        } else seen?.set(key, keyAt);
        if (valueNode) walk(valueNode, appendPath(path, key), keyAt, out);
        else if (out.positions) {
          const k = at(keyAt);
          out.positions.set(appendPath(path, key), {
            line: k.line,
            col: k.col,
            keyLine: k.line,
            keyCol: k.col,
          });
        }
      }
    } else {
      let index = 0;
      for (let i = 0; i < kids.length; index++) {
        const child = kids[i]!;
        if (isPairKey(child) && kids[i + 1] && node.result && Array.isArray(node.result)) {
          // a single-pair mapping in a flow sequence: `[a: 1]`
          const keyAt = skipBlank(text, child.open);
          const item = appendPath(path, index);
          out.positions?.set(item, at(keyAt));
          walk(kids[i + 1]!, appendPath(item, String(unwrap(child).result)), keyAt, out);
          i += 2;
        } else {
          walk(child, appendPath(path, index), undefined, out);
          i += 1;
        }
      }
    }
  };

  if (docs.length > 1) {
    const second = roots[1];
    diagnostics.push({
      severity: "error",
      code: "multiple-documents",
      message: `the spec holds ${docs.length} YAML documents; gen reads exactly one`,
      hint: "remove the --- separators, or split the file",
      location: second ? at(valueStart(second)) : { file, line: 1, col: 1 },
    });
    return { data: undefined, source, diagnostics };
  }
  const data = docs[0];
  const root = roots[0];
  diagnostics.push(...badScalars.values());
  if (root) {
    walk(root, "", undefined, { duplicates: diagnostics });
    source.positionsFrom(() => {
      const positions: PositionMap = new Map();
      walk(root, "", undefined, { positions });
      return positions;
    });
  }
  if (data === undefined || data === null) {
    diagnostics.push({
      severity: "error",
      code: "empty-spec",
      message: "the spec is empty",
      hint: "run `gen init` to write a commented starter spec",
      location: { file, line: 1, col: 1 },
    });
    return { data: undefined, source, diagnostics };
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    diagnostics.push({
      severity: "error",
      code: "not-a-mapping",
      message: `the spec must be a YAML mapping (key: value lines) at the top level, got ${describeTopLevel(data)}`,
      hint: "start with `version: 1`",
      location: source.locate([]),
    });
    return { data: undefined, source, diagnostics };
  }
  const structure = checkStructure(data, source);
  if (structure) {
    diagnostics.push(structure);
    return { data: undefined, source, diagnostics };
  }
  return { data, source, diagnostics };
}
