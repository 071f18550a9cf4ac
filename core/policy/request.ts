/**
 * The request the evaluator judges, parsed from untrusted input. Anything
 * that does not parse is reported as an error string, and the evaluator turns
 * it into a DENY (fail closed).
 *
 *   { kind: 'mcp',    tool, arguments?, target? }       MCP tools/call
 *   { kind: 'a2a',    method, target? }                 A2A JSON-RPC call
 *   { kind: 'http',   method, path (may carry ?query), query?, target: { host } }
 *   { kind: 'egress', target: { ip, port, protocol?, labels?, namespace? } }
 *   { kind: 'exec',   path }                            executable about to run
 *   { kind: 'file',   path }                            file about to be opened
 *
 * `target` names the other end: host/port as seen on the wire, and, when the
 * node agent resolved it to a pod, its namespace and labels. `identity` is the
 * caller (informational; the policy set is already the caller's).
 */
import { parseIp } from './cidr.js';
import type { Family } from './cidr.js';
import { canonicalA2aMethod } from './a2a-methods.js';
import { decodeUnreserved, withoutTrailingSlash } from './glob.js';
import { readQuery } from './query.js';

export const REQUEST_KINDS = ['mcp', 'a2a', 'http', 'egress', 'exec', 'file'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface RequestTarget {
  readonly host?: string;
  readonly port?: number;
  readonly ip?: { readonly family: Family; readonly addr: Uint8Array; readonly text: string };
  readonly protocol?: 'TCP' | 'UDP';
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PolicyRequest {
  readonly kind: RequestKind;
  readonly identity?: Readonly<Record<string, unknown>>;
  readonly target: RequestTarget;
  /** MCP tool name, A2A method (canonical), HTTP "METHOD", exec/file path: see kind. */
  readonly name: string;
  /** HTTP: normalised path without query. */
  readonly path?: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  /**
   * HTTP query parameters: every value any mainstream parser could give a
   * key (repeated keys, `key[]`, pieces after a `;`) — all must pass.
   */
  readonly query: Readonly<Record<string, string | string[]>>;
  /**
   * HTTP: keys present for some parsers only (given as `key[]` only, after
   * a `;` only, ...), with why: such a key does not satisfy `required`.
   */
  readonly queryUncertain?: Readonly<Record<string, string>>;
}

const MAX_NAME = 4096;

class RequestProblem extends Error {}

function problem(msg: string): never {
  throw new RequestProblem(msg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(obj: Record<string, unknown>, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0) problem(`${what} must be a non-empty string`);
  if (v.length > MAX_NAME) problem(`${what} is longer than ${MAX_NAME} characters`);
  return v;
}

function labels(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) problem('target.labels must map strings to strings');
  return v as Record<string, string>;
}

function target(v: unknown): RequestTarget {
  if (v === undefined) return {};
  if (!isObject(v)) problem('target must be an object');
  const out: { -readonly [K in keyof RequestTarget]: RequestTarget[K] } = {};
  if (v.host !== undefined) out.host = str(v, 'host', 'target.host').toLowerCase();
  if (v.port !== undefined) {
    if (typeof v.port !== 'number' || !Number.isInteger(v.port) || v.port < 0 || v.port > 65535) problem('target.port must be 0..65535');
    out.port = v.port;
  }
  if (v.ip !== undefined) {
    const text = str(v, 'ip', 'target.ip');
    const ip = parseIp(text);
    if (ip === undefined) problem(`target.ip "${text}" is not an IP address`);
    out.ip = { ...ip, text };
  }
  if (v.protocol !== undefined) {
    if (v.protocol !== 'TCP' && v.protocol !== 'UDP') problem('target.protocol must be TCP or UDP');
    out.protocol = v.protocol;
  }
  if (v.namespace !== undefined) out.namespace = str(v, 'namespace', 'target.namespace');
  const l = labels(v.labels);
  if (l !== undefined) out.labels = l;
  return out;
}

export function parseQuery(text: string): Record<string, string | string[]> {
  const q = readQuery(text);
  if ('error' in q) return problem(q.error);
  return q.values;
}

/**
 * Normalise an HTTP path for matching: decode percent-encoded unreserved
 * characters, upper-case the rest (matching also reads encoded
 * sub-delimiters as raw: glob.ts), drop a trailing slash (`/customers/` is
 * judged as `/customers`, as Express routes it). Paths a server could
 * read two ways are refused: dot segments, empty segments, backslashes,
 * encoded "/" "\" ".".
 */
export function normalizePath(raw: string): string {
  if (!raw.startsWith('/')) problem(`path "${raw}" must start with "/"`);
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) problem(`path "${raw}" has malformed percent-encoding`);
  const decoded = decodeUnreserved(raw);
  if (/%2F|%5C|%2E|%00|\\/.test(decoded)) problem(`path "${raw}" has an encoded separator or dot`);
  const segments = decoded.split('/').slice(1);
  if (segments.some((s, i) => s === '.' || s === '..' || (s === '' && i < segments.length - 1))) {
    problem(`path "${raw}" has dot or empty segments`);
  }
  return withoutTrailingSlash(decoded);
}

/** Query values given as an object (`query: {...}` in the request). */
function extraQuery(extra: unknown, into: Record<string, string | string[]>): void {
  if (extra === undefined) return;
  if (!isObject(extra)) problem('query must be an object');
  for (const [k, v] of Object.entries(extra)) {
    const ok = typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) problem(`query.${k} must be a string or a list of strings`);
    const prev = into[k];
    into[k] = prev === undefined ? v : [...[prev].flat(), ...[v].flat()];
  }
}

interface HttpParts {
  path: string;
  query: Record<string, string | string[]>;
  uncertain: Record<string, string>;
  host?: string;
}

function httpParts(obj: Record<string, unknown>): HttpParts {
  let raw = str(obj, 'path', 'path');
  let host: string | undefined;
  // Absolute form (any scheme, as Go reads it): the authority gives the host.
  const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/.exec(raw);
  if (abs !== null) {
    const authority = abs[1] ?? '';
    host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '').toLowerCase();
    const rest = abs[2] ?? '';
    raw = rest.startsWith('/') ? rest : `/${rest}`;
  }
  const hash = raw.indexOf('#');
  if (hash !== -1) raw = raw.slice(0, hash);
  const q = raw.indexOf('?');
  const read = q === -1 ? { values: {}, uncertain: {} } : readQuery(raw.slice(q + 1));
  if ('error' in read) return problem(read.error);
  const query = read.values;
  extraQuery(obj.query, query);
  const path = normalizePath(q === -1 ? raw : raw.slice(0, q));
  return { path, query, uncertain: read.uncertain, ...(host === undefined || host === '' ? {} : { host }) };
}

function kindOf(obj: Record<string, unknown>): RequestKind {
  const kind = obj.kind;
  if (typeof kind !== 'string' || !(REQUEST_KINDS as readonly string[]).includes(kind)) {
    problem(`kind must be one of ${REQUEST_KINDS.join(', ')}`);
  }
  return kind as RequestKind;
}

function build(input: unknown): PolicyRequest {
  if (!isObject(input)) problem('request must be an object');
  const kind = kindOf(input);
  const tgt = target(input.target);
  const identity = isObject(input.identity) ? input.identity : undefined;
  const base = { kind, target: tgt, arguments: {}, query: {}, ...(identity === undefined ? {} : { identity }) };
  switch (kind) {
    case 'mcp': {
      const args = input.arguments;
      if (args !== undefined && args !== null && !isObject(args)) problem('arguments must be an object');
      return { ...base, name: str(input, 'tool', 'tool'), arguments: isObject(args) ? args : {} };
    }
    case 'a2a':
      return { ...base, name: canonicalA2aMethod(str(input, 'method', 'method')) };
    case 'http': {
      const method = str(input, 'method', 'method');
      const { path, query, uncertain, host } = httpParts(input);
      const withHost = host !== undefined && tgt.host === undefined ? { ...tgt, host } : tgt;
      const unsure = Object.keys(uncertain).length > 0 ? { queryUncertain: uncertain } : {};
      return { ...base, target: withHost, name: method, path, query, ...unsure };
    }
    case 'egress':
      if (tgt.ip === undefined || tgt.port === undefined) problem('an egress request needs target.ip and target.port');
      return base.target.protocol === undefined ? { ...base, target: { ...tgt, protocol: 'TCP' }, name: '' } : { ...base, name: '' };
    case 'exec':
    case 'file':
      return { ...base, name: str(input, 'path', 'path') };
  }
}

/** Parse a request; `{ error }` when it cannot be judged (the evaluator then denies). */
export function parseRequest(input: unknown): PolicyRequest | { readonly error: string } {
  try {
    return build(input);
  } catch (err) {
    if (err instanceof RequestProblem) return { error: err.message };
    throw err;
  }
}
