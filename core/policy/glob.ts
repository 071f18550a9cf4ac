/**
 * Glob matchers for names (MCP tools, A2A methods), hosts and HTTP paths.
 * All are iterative or dynamic-programming matchers with no backtracking
 * blow-up, whatever the input length.
 */

/** Name patterns: letters, digits, `_ - . / :` and the wildcards `*` (any run) and `?` (one char). */
export const NAME_PATTERN_RE = /^[A-Za-z0-9_.:/*?-]{1,128}$/;
/** Host patterns: a DNS name, `*.` + DNS name, or an IP literal. */
export const HOST_PATTERN_RE = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9a-fA-F:.]+$/;
/** Path globs: start with `/`, RFC 3986 path characters, `*` and `**` (a whole segment). */
export const PATH_PATTERN_RE = /^[/][A-Za-z0-9._~!$&'()+,;=:@%*/-]*$/;
/** Longest path glob (bounded so the CRD's CEL rules stay inside the API server's cost budget). */
export const PATH_MAX_LENGTH = 512;

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Wildcard match of `text` against `pattern` (`*` any run, `?` one char): O(n·m) worst case. */
export function wildcardMatch(pattern: string, text: string, single = '?'): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc !== undefined && pc !== '*' && (pc === text[t] || pc === single)) {
      p++;
      t++;
    } else if (pc === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export interface NameMatcher {
  readonly pattern: string;
  /** True when the pattern has no wildcard. */
  readonly literal: boolean;
  /** True for `*`: every name matches. */
  readonly matchAll: boolean;
  test(name: string): boolean;
}

export function nameMatcher(pattern: string): NameMatcher {
  const literal = !isGlob(pattern);
  const matchAll = /^\*+$/.test(pattern);
  return {
    pattern,
    literal,
    matchAll,
    test: (name) => (literal ? name === pattern : wildcardMatch(pattern, name)),
  };
}

/** Host match: case-insensitive; `*.example.com` matches any name below example.com (not example.com). */
export function hostMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

/** Why a path glob is malformed, or undefined when it is fine. */
export function pathPatternProblem(pattern: string): string | undefined {
  if (!PATH_PATTERN_RE.test(pattern)) return 'must start with "/" and contain only URL path characters, "*" and "**"';
  const segments = pattern.slice(1).split('/');
  for (const seg of segments) {
    if (seg.includes('**') && seg !== '**') return '"**" must be a whole path segment';
    if (seg === '.' || seg === '..') return 'dot segments ("." or "..") are not allowed';
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(pattern)) return 'malformed percent-encoding';
  return undefined;
}

/**
 * Decode percent-encoded unreserved characters (RFC 3986: letters, digits,
 * `-` `_` `~`; not `.`, which could form a dot segment) and upper-case the
 * hex of the others, so policy paths and request paths compare in one form.
 */
export function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-_~]/.test(ch) ? ch : m.toUpperCase();
  });
}

/**
 * Decode the percent-encoded sub-delimiters and `:` `@`, which carry no
 * structure inside a path: servers that route on the decoded path (Go's
 * ServeMux, most frameworks) read `/a%40b` as `/a@b`, so a rule on one
 * must match the other. Applied to both sides when matching only (the
 * kernel hashes the spelling a policy gives). Not decoded: `*` (a wildcard
 * in patterns), `.` `/` `\` `%` `?` `#`, controls, bytes above 0x7f.
 */
function decodeSubDelims(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%(2[146789BbCc]|3[AaBbDd]|40)/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A path without its trailing slash (`/a/` is `/a`; `/` stays `/`). */
export function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Path glob match on "/"-separated segments: `*` matches within a segment
 * (never an empty segment: `/customers/*` does not match `/customers/`), a
 * `**` segment matches zero or more whole segments. A trailing slash is
 * ignored on both sides (`/customers/` is judged as `/customers`, as
 * Express's default routing reads it); sub-delimiters match encoded or not
 * (decodeSubDelims). Dynamic programming over (pattern
 * segment, path segment): O(P·S) segment comparisons.
 */
export function pathMatches(pattern: string, path: string): boolean {
  const ps = withoutTrailingSlash(decodeSubDelims(pattern)).split('/');
  const ts = withoutTrailingSlash(decodeSubDelims(path)).split('/');
  // reach[j]: pattern prefix consumed so far can end right before path segment j.
  let reach: boolean[] = ts.map((_, j) => j === 0);
  reach.push(false);
  for (const seg of ps) {
    const next: boolean[] = new Array<boolean>(ts.length + 1).fill(false);
    let carried = false;
    for (let j = 0; j <= ts.length; j++) {
      if (seg === '**') {
        carried = carried || reach[j] === true;
        next[j] = carried;
      } else if (reach[j] === true && j < ts.length && segmentMatches(seg, ts[j] ?? '')) {
        next[j + 1] = true;
      }
    }
    reach = next;
  }
  return reach[ts.length] === true;
}

function segmentMatches(seg: string, text: string): boolean {
  if (text === '') return seg === '';
  return wildcardMatch(seg, text, '\u0000');
}

/* ---- keys as Go's encoding/json matches them ----------------------------- */

/** Code points above 0x7f with case mappings: each to the smallest code point of its orbit. */
let orbits: Map<number, number> | undefined;

function single(s: string): number | undefined {
  const cp = s.codePointAt(0);
  return cp !== undefined && s.length === String.fromCodePoint(cp).length ? cp : undefined;
}

/**
 * Case-fold orbits as Go's unicode.SimpleFold walks them, from JavaScript's
 * simple (one code point) upper- and lower-case mappings joined in both
 * directions: `s`, `S`, U+017F `ſ`; `k`, `K`, the Kelvin sign U+212A;
 * U+00B5 `µ`, `Μ`, `μ`. Where JavaScript joins more than Go (dotless `ı`
 * with `I`) the fold is stricter, never looser: two keys it joins are
 * reported, not let through. Built once, on the first non-ASCII key.
 */
function buildOrbits(): Map<number, number> {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    for (let p = parent.get(r); p !== undefined && p !== r; p = parent.get(r)) r = p;
    parent.set(x, r);
    return r;
  };
  for (let cp = 0; cp <= 0x1ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    for (const mapped of [ch.toUpperCase(), ch.toLowerCase()]) {
      const m = single(mapped);
      if (m === undefined || m === cp) continue;
      const [a, b] = [find(cp), find(m)];
      if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
    }
  }
  const out = new Map<number, number>();
  for (const cp of parent.keys()) out.set(cp, find(cp));
  return out;
}

function foldRune(cp: number): number {
  orbits ??= buildOrbits();
  return orbits.get(cp) ?? cp;
}

/**
 * The key Go's encoding/json reads for an object key when it fills a struct
 * field: case-insensitive with Unicode simple folding, lone surrogates read
 * as U+FFFD. Two keys with the same fold are one field to a Go server (the
 * last one wins); everywhere else (JavaScript, Python) they are two keys.
 */
export function foldKey(key: string): string {
  let out = '';
  for (const ch of key) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) out += '\uFFFD';
    else if (cp < 0x80) out += cp >= 0x61 && cp <= 0x7a ? String.fromCharCode(cp - 32) : ch;
    else out += String.fromCodePoint(foldRune(cp));
  }
  return out;
}
