/**
 * The head of an HTTP/1.x request (request line and header fields), read
 * as the most lenient mainstream server reads it (Go net/http, h11, Node's
 * llhttp): bare-LF line ends, any token method, absolute-form targets. What
 * servers read differently is not guessed:
 *
 *   - where the body ends (two Content-Lengths, Content-Length with
 *     Transfer-Encoding, a coding other than chunked, obs-fold, whitespace
 *     before a colon, control bytes): HttpAmbiguityError, the connection's
 *     stream cannot be followed;
 *   - what the request is (a lower-case method, a fragment, two Host
 *     headers, a Host that contradicts the target): `ambiguity`, judged
 *     fail closed, the stream goes on.
 *
 * Pure.
 */
export class HttpParseError extends Error {}

/** Servers would frame or read this head differently: nothing after it can be followed. */
export class HttpAmbiguityError extends HttpParseError {}

export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** RFC 9110 token (methods, header names). */
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VERSION_RE = /^HTTP\/1\.[0-9]$/;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
// eslint-disable-next-line no-control-regex
const CTL_RE = /[\x00-\x08\x0a-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex
const TARGET_CTL_RE = /[\x00-\x20\x7f]/;

export interface HeaderField {
  /** Lower-cased. */
  readonly name: string;
  readonly value: string;
}

export type Framing = { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };

export interface RequestHead {
  readonly method: string;
  /** The request target as sent. */
  readonly target: string;
  readonly version: string;
  /** Lower-cased names; repeated fields joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  readonly fields: readonly HeaderField[];
  /** The path of the target (absolute form: after the authority), without query or fragment. */
  readonly path: string;
  readonly query: string;
  /** The host the request is for: an absolute-form target's authority, else the Host header, else ''. */
  readonly host: string;
  readonly framing: Framing;
  /** Set when servers would read the request differently (judged fail closed). */
  readonly ambiguity?: string;
  /** Offset of the body's first byte in the buffer parsed. */
  readonly bodyStart: number;
}

const show = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);

/** The head's lines (line ends CRLF or bare LF) and where the body starts; null while incomplete. */
function headLines(buf: Buffer): { lines: string[]; bodyStart: number } | null {
  const lines: string[] = [];
  let pos = 0;
  for (;;) {
    const lf = buf.indexOf(0x0a, pos);
    if (lf < 0 || lf > MAX_HEADER_BYTES) {
      if (buf.length > MAX_HEADER_BYTES) throw new HttpParseError('request headers exceed 64 KiB');
      return null;
    }
    const end = lf > pos && buf[lf - 1] === 0x0d ? lf - 1 : lf;
    if (end === pos) return { lines, bodyStart: lf + 1 };
    lines.push(buf.toString('latin1', pos, end));
    pos = lf + 1;
  }
}

function requestLine(line: string): { method: string; target: string; version: string } {
  const parts = line.split(' ');
  const [method, target, version] = parts;
  if (parts.length !== 3 || method === undefined || !TOKEN_RE.test(method) || !target || version === undefined || !VERSION_RE.test(version)) {
    throw new HttpParseError(`not an HTTP/1.x request line: ${show(line)}`);
  }
  return { method, target, version };
}

function headerField(line: string): HeaderField {
  if (line.startsWith(' ') || line.startsWith('\t')) {
    throw new HttpAmbiguityError(`a header line starts with whitespace (obs-fold: Go joins it to the previous field, Node refuses it): ${show(line)}`);
  }
  const colon = line.indexOf(':');
  if (colon <= 0) throw new HttpParseError(`malformed header line: ${show(line)}`);
  const name = line.slice(0, colon);
  if (/[ \t]$/.test(name)) throw new HttpAmbiguityError(`whitespace between the header name ${show(name.trimEnd())} and its colon`);
  if (!TOKEN_RE.test(name)) throw new HttpParseError(`malformed header line: ${show(line)}`);
  const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  if (CTL_RE.test(value)) throw new HttpAmbiguityError(`header ${show(name)} has a control byte (e.g. a bare CR) in its value`);
  return { name: name.toLowerCase(), value };
}

function values(fields: readonly HeaderField[], name: string): string[] {
  return fields.filter((f) => f.name === name).map((f) => f.value);
}

/** Where the body ends, as every server reads it, or an HttpAmbiguityError. */
function framing(fields: readonly HeaderField[], version: string): Framing {
  const cls = values(fields, 'content-length');
  const tes = values(fields, 'transfer-encoding');
  if (tes.length > 0) {
    if (cls.length > 0) throw new HttpAmbiguityError('both Content-Length and Transfer-Encoding (servers differ on which one frames the body)');
    if (version === 'HTTP/1.0') throw new HttpAmbiguityError('Transfer-Encoding in an HTTP/1.0 request (Go ignores it, Node does not)');
    const codings = tes.join(',').split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (tes.length !== 1 || codings.length !== 1 || codings[0]?.toLowerCase() !== 'chunked') {
      throw new HttpAmbiguityError(`Transfer-Encoding ${show(tes.join(', '))} (only "chunked", once, is read the same by every server)`);
    }
    return { kind: 'chunked' };
  }
  if (cls.length === 0) return { kind: 'none' };
  for (const v of cls) if (!/^[0-9]+$/.test(v)) throw new HttpParseError(`bad content-length ${show(v)}`);
  if (new Set(cls).size > 1) throw new HttpAmbiguityError(`Content-Length given ${cls.length} times with different values (${cls.map(show).join(', ')})`);
  const length = Number(cls[0]);
  if (length > MAX_BODY_BYTES) throw new HttpParseError(`bad content-length ${show(cls[0] ?? '')}: over the 16 MiB the agent reads`);
  return { kind: 'length', length };
}

export interface Target {
  readonly path: string;
  readonly query: string;
  readonly authority?: string;
  readonly ambiguity?: string;
}

/** Origin form (`/p?q`), absolute form (`scheme://host/p?q`), `*` (OPTIONS), authority form (CONNECT). */
export function readTarget(target: string, method: string): Target {
  if (TARGET_CTL_RE.test(target)) return { path: target, query: '', ambiguity: `the request target ${show(target)} has a control byte` };
  let rest = target;
  let authority: string | undefined;
  if (SCHEME_RE.test(target)) {
    const after = target.slice(target.indexOf('://') + 3);
    const end = after.search(/[/?#]/);
    const raw = end < 0 ? after : after.slice(0, end);
    authority = raw.slice(raw.lastIndexOf('@') + 1).toLowerCase();
    rest = end < 0 ? '/' : after.slice(end);
    if (!rest.startsWith('/')) rest = `/${rest}`;
  } else if (!target.startsWith('/') && !(target === '*' && method === 'OPTIONS') && method !== 'CONNECT') {
    return { path: target, query: '', ambiguity: `the request target ${show(target)} is not a path, an absolute URL, "*" or host:port` };
  }
  const hash = rest.indexOf('#');
  const ambiguity = hash < 0 ? undefined : `the request target ${show(target)} has a fragment ("#": Go keeps it in the path and query, Node drops it)`;
  const noFragment = hash < 0 ? rest : rest.slice(0, hash);
  const q = noFragment.indexOf('?');
  return {
    path: q < 0 ? noFragment : noFragment.slice(0, q),
    query: q < 0 ? '' : noFragment.slice(q + 1),
    ...(authority !== undefined ? { authority } : {}),
    ...(ambiguity !== undefined ? { ambiguity } : {}),
  };
}

const withoutPort = (h: string): string => h.toLowerCase().replace(/:[0-9]*$/, '');

/** What servers would read differently in a well-framed request (first found), or undefined. */
function requestAmbiguity(method: string, t: Target, hosts: readonly string[]): string | undefined {
  if (/[a-z]/.test(method)) {
    return `method ${show(method)} is not upper case (Go and h11 run it as another method, Node refuses it, policies name methods in upper case)`;
  }
  if (t.ambiguity !== undefined) return t.ambiguity;
  if (hosts.length > 1) return `Host header given ${hosts.length} times (Go refuses the request, Node reads the first)`;
  const header = hosts[0];
  if (t.authority !== undefined && header !== undefined && withoutPort(header) !== withoutPort(t.authority)) {
    return `the absolute-form target names host ${show(t.authority)} but the Host header says ${show(header)} (Go uses the target's, Node the header's)`;
  }
  return undefined;
}

/**
 * The head at the start of `buf` (leading empty lines already skipped), or
 * null while it is incomplete. Throws HttpParseError for what is not an
 * HTTP/1.x request head, HttpAmbiguityError for a head servers would frame
 * differently.
 */
export function parseHead(buf: Buffer): RequestHead | null {
  const h = headLines(buf);
  if (h === null) return null;
  const { method, target, version } = requestLine(h.lines[0] ?? '');
  const fields = h.lines.slice(1).map(headerField);
  const headers = new Map<string, string>();
  for (const f of fields) {
    const prev = headers.get(f.name);
    headers.set(f.name, prev === undefined ? f.value : `${prev}, ${f.value}`);
  }
  const t = readTarget(target, method);
  const hosts = values(fields, 'host');
  const ambiguity = requestAmbiguity(method, t, hosts);
  return {
    method,
    target,
    version,
    headers,
    fields,
    path: t.path,
    query: t.query,
    host: t.authority ?? hosts[0] ?? '',
    framing: framing(fields, version),
    ...(ambiguity !== undefined ? { ambiguity } : {}),
    bodyStart: h.bodyStart,
  };
}

/** Leading CR and LF bytes (empty lines before a request line: every server skips them). */
export function leadingEmptyLines(buf: Buffer): number {
  let i = 0;
  while (buf[i] === 0x0d || buf[i] === 0x0a) i++;
  return i;
}
