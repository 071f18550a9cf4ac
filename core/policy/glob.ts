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
 * Path glob match on "/"-separated segments: `*` matches within a segment,
 * a `**` segment matches zero or more whole segments. Dynamic programming
 * over (pattern segment, path segment): O(P·S) segment comparisons.
 */
export function pathMatches(pattern: string, path: string): boolean {
  const ps = pattern.split('/');
  const ts = path.split('/');
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
      } else if (reach[j] === true && j < ts.length && wildcardMatch(seg, ts[j] ?? '', '\u0000')) {
        next[j + 1] = true;
      }
    }
    reach = next;
  }
  return reach[ts.length] === true;
}
