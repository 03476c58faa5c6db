/**
 * The one parser of connection URLs. The base-url rule validates with it and the plan takes the network
 * rule's host:port from it, so the host gen lists is the host the HTTP primitive (Python's urllib) connects
 * to. The grammar is deliberately narrow, so that every URL it accepts reads the same in every URL parser:
 *
 *   url   = ("http" | "https") "://" host [":" port] [path]
 *   host  = DNS name (letters, digits, "-", labels joined by ".") | IPv4 (four decimal numbers) | "[" IPv6 "]"
 *   port  = 1..65535, no leading zero
 *   path  = "/" followed by RFC 3986 path characters and %XX escapes
 *
 * Anything else is refused with the reason: credentials, backslashes, whitespace, control and non-ASCII
 * characters (parsers strip, keep or re-encode them differently), wildcards, port 0, a query or a fragment.
 */
import { isIPv6 } from "node:net";

export type HostKind = "name" | "ipv4" | "ipv6";
export type AddressClass = "loopback" | "link-local" | "unspecified" | "other";

export interface HttpUrl {
  scheme: "http" | "https";
  /** lower case; an IPv6 address without its brackets */
  host: string;
  hostKind: HostKind;
  /** the explicit port, else 443 for https and 80 for http */
  port: number;
  /** "" or starting with "/" */
  path: string;
  /** for an IP literal: what kind of address it is */
  addressClass: AddressClass | null;
}

export type UrlProblemKind =
  "character" | "scheme" | "credentials" | "query" | "host" | "wildcard" | "port" | "path";

export interface UrlProblem {
  kind: UrlProblemKind;
  /** completes "base_url "..." <message>" */
  message: string;
  hint: string;
}

export type ParsedUrl = { url: HttpUrl } | { problem: UrlProblem };

const HOST_RULE =
  "a host is a DNS name (letters, digits and -, labels joined by dots), an IPv4 address such as 192.0.2.10, or an IPv6 address in brackets";
const PORT_RULE = "a port is a number from 1 to 65535, written without leading zeros";

const problem = (kind: UrlProblemKind, message: string, hint: string): { problem: UrlProblem } => ({
  problem: { kind, message, hint },
});

/** A character no URL gen writes may contain, described for a message; undefined when there is none. */
function unsafeCharacter(text: string): { kind: UrlProblemKind; message: string; hint: string } | undefined {
  for (const ch of text) {
    if (ch === "\\") {
      return {
        kind: "character",
        message: "contains a backslash",
        hint: 'URL parsers disagree on a backslash: one reads "https://a.example\\@b.example" as host a.example, another as b.example; remove it',
      };
    }
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0x20 && code < 0x7f) continue;
    const what =
      ch === " "
        ? "a space"
        : code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)
          ? `the control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`
          : `the non-ASCII character ${JSON.stringify(ch)}`;
    return {
      kind: "character",
      message: `contains ${what}`,
      hint: "URL parsers strip or re-encode such characters differently; percent-encode them in the path (%20), write an international host name in its xn-- form",
    };
  }
  return undefined;
}

const IPV4 =
  /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** WHATWG URL reads a host whose last label is a number (decimal, 0x hex, octal) as an IPv4 address. */
const NUMERIC_LAST_LABEL = /(^|\.)(0x[0-9a-f]*|[0-9]+)\.?$/;
const PATH = /^(\/([A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*)?$/;

function ipv4Class(address: string): AddressClass {
  const [a, b] = address.split(".").map(Number);
  if (a === 127) return "loopback";
  if (a === 0) return "unspecified";
  if (a === 169 && b === 254) return "link-local";
  return "other";
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail becomes two groups). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a, b, c, d] = v4[1].split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function ipv6Class(address: string): AddressClass {
  const g = ipv6Groups(address);
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible) reach the IPv4 address
  if (zeroUpTo(5) && (g[5] === 0xffff || (g[5] === 0 && (g[6] ?? 0) !== 0))) {
    const [hi = 0, lo = 0] = [g[6], g[7]];
    return ipv4Class(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (zeroUpTo(8)) return "unspecified";
  if (zeroUpTo(7) && g[7] === 1) return "loopback";
  if (((g[0] ?? 0) & 0xffc0) === 0xfe80) return "link-local";
  return "other";
}

function parseHost(
  raw: string,
): { host: string; kind: HostKind; addressClass: AddressClass | null } | UrlProblem {
  if (raw === "") return { kind: "host", message: "has no host", hint: HOST_RULE };
  if (raw.startsWith("[")) {
    const inner = raw.slice(1, -1);
    if (!raw.endsWith("]") || inner.includes("%") || !isIPv6(inner)) {
      return { kind: "host", message: `has an invalid IPv6 address ${JSON.stringify(raw)}`, hint: HOST_RULE };
    }
    const host = inner.toLowerCase();
    return { host, kind: "ipv6", addressClass: ipv6Class(host) };
  }
  const host = raw.toLowerCase();
  if (host.includes("*")) {
    return {
      kind: "wildcard",
      message: `has the wildcard host ${JSON.stringify(raw)}`,
      hint: "the network rule lists exact hosts: write the host the steps call",
    };
  }
  if (IPV4.test(host)) return { host, kind: "ipv4", addressClass: ipv4Class(host) };
  if (NUMERIC_LAST_LABEL.test(host)) {
    return {
      kind: "host",
      message: `has the host ${JSON.stringify(raw)}, which URL parsers read as an IP address in different ways`,
      hint: "write an IPv4 address as four decimal numbers such as 192.0.2.10, or use a host name",
    };
  }
  if (host.length > 253 || !host.split(".").every((label) => DNS_LABEL.test(label))) {
    return { kind: "host", message: `has an invalid host ${JSON.stringify(raw)}`, hint: HOST_RULE };
  }
  return { host, kind: "name", addressClass: null };
}

/** Parses `text` (a base URL with the env defaults substituted) with the grammar above. */
export function parseHttpUrl(text: string): ParsedUrl {
  const unsafe = unsafeCharacter(text);
  if (unsafe) return { problem: unsafe };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  const schemeName = scheme?.[1]?.toLowerCase();
  if (!scheme || (schemeName !== "http" && schemeName !== "https")) {
    return problem(
      "scheme",
      "is not an http(s) URL",
      "write it like https://api.example.com/v1, to which step paths are appended",
    );
  }
  const afterScheme = text.slice(scheme[0].length);
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd < 0 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const rest = authorityEnd < 0 ? "" : afterScheme.slice(authorityEnd);
  if (authority.includes("@")) {
    return problem(
      "credentials",
      "has a user name or password in it",
      'credentials in a URL are written into the generated project and the logs: remove them and set auth: { type: basic, username: "...", password: "${secret.NAME}" } on the connection',
    );
  }
  if (rest.includes("?") || rest.includes("#")) {
    return problem(
      "query",
      "must not contain a query string or a fragment",
      "put query parameters in each step's request.query",
    );
  }
  // host[:port]; the port is after the last ":" outside an IPv6 address's brackets
  const portSep = authority.startsWith("[")
    ? authority.indexOf(":", authority.indexOf("]"))
    : authority.indexOf(":");
  const rawHost = portSep < 0 ? authority : authority.slice(0, portSep);
  const rawPort = portSep < 0 ? undefined : authority.slice(portSep + 1);
  const host = parseHost(rawHost);
  if ("message" in host) return { problem: host };
  let port = schemeName === "https" ? 443 : 80;
  if (rawPort !== undefined) {
    if (!/^[1-9][0-9]{0,4}$/.test(rawPort) || Number(rawPort) > 65535) {
      const shown =
        rawPort === ""
          ? "an empty port"
          : /^0+$/.test(rawPort)
            ? "port 0"
            : `the port ${JSON.stringify(rawPort)}`;
      return problem("port", `has ${shown}`, PORT_RULE);
    }
    port = Number(rawPort);
  }
  if (!PATH.test(rest)) {
    const bad = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]|%(?![0-9A-Fa-f]{2})/.exec(rest)?.[0] ?? "";
    return problem(
      "path",
      bad === "%"
        ? 'has a "%" that starts no %XX escape in its path'
        : `has ${JSON.stringify(bad)} in its path`,
      "percent-encode that character in the path (a literal % is written %25)",
    );
  }
  return {
    url: {
      scheme: schemeName,
      host: host.host,
      hostKind: host.kind,
      port,
      path: rest,
      addressClass: host.addressClass,
    },
  };
}

/** `host:port` as the Snowflake network rule lists it; an IPv6 address in brackets. */
export function hostPortOf(url: HttpUrl): string {
  return url.hostKind === "ipv6" ? `[${url.host}]:${url.port}` : `${url.host}:${url.port}`;
}

/** The URL with the password of any `user:password@` replaced by ***, so a diagnostic never prints it. */
export function withoutCredentials(text: string): string {
  // up to the last "@" before the path, as Python's urlsplit splits user info from the host
  return text.replace(/(\/\/[^/?#:@]*):[^/?#]*@/g, "$1:***@");
}
