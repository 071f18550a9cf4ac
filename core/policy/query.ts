/**
 * A query string as the mainstream parsers read it, for judging query
 * constraints. Parsers disagree, so a request is judged by every reading:
 *
 *   Node qs (Express 4, `extended`)   `&` pairs; `a[]=1`, `a[0]=1`, `[a]=1`
 *                                      are `a`; at most 1000 parameters
 *   Node querystring (Express 5)      `&` pairs, brackets literal; 1000
 *   Go net/url (>= 1.17)              `&` pairs; a pair with `;` is dropped
 *   Python parse_qs (>= 3.10)         `&` pairs; blank values dropped
 *   older parsers                     `&` and `;` both separate pairs
 *
 * Every value any reading gives a key must satisfy its constraints; a key
 * is present (for `required`) only when every reading has it. Keys are
 * case-sensitive in all of them (`LIMIT` is not `limit`). Pure.
 */

/** qs's parameterLimit and Node querystring's maxKeys. */
const MAX_PARAMS = 1000;

export interface QueryRead {
  /** Every value of each key, over all readings (one value: a string). */
  readonly values: Record<string, string | string[]>;
  /** Keys some readings do not have, with why. */
  readonly uncertain: Record<string, string>;
}

/** `+` is a space and `%XX` a byte in every query parser; undefined for malformed percent-encoding. */
function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The key qs files a bracketed key under: the name before the first
 * `[...]` group (`limit[]`, `limit[0]`, `limit[a][b]` are `limit`), or the
 * group's content when nothing precedes it (`[limit]`).
 */
export function qsBaseKey(key: string): string {
  const m = /\[[^[\]]*\]/.exec(key);
  if (m === null) return key;
  const parent = key.slice(0, m.index);
  return parent !== '' ? parent : m[0].slice(1, -1);
}

interface Piece {
  readonly key: string;
  readonly value: string;
}

function piece(text: string): Piece | string {
  const eq = text.indexOf('=');
  const key = decode(eq === -1 ? text : text.slice(0, eq));
  const value = eq === -1 ? '' : decode(text.slice(eq + 1));
  if (key === undefined || value === undefined) return `malformed percent-encoding in query "${text}"`;
  return { key, value };
}

/** Why this occurrence may be missing for some parser, or undefined when every parser has it. */
function doubt(p: Piece, pair: string, index: number, exact: boolean): string | undefined {
  if (!exact) return `given only as "${p.key}" (qs reads it as this key; Go, Python and Node's querystring do not)`;
  if (pair.includes(';')) return 'given only in a pair with ";" (Go drops such pairs; older parsers split on ";")';
  if (p.value === '') return "given only with an empty value (Python's parse_qs drops it)";
  if (index >= MAX_PARAMS) return `given only after the ${MAX_PARAMS}th parameter (qs and Node's querystring stop there)`;
  return undefined;
}

export function readQuery(text: string): QueryRead | { readonly error: string } {
  const values = new Map<string, string[]>();
  const certain = new Set<string>();
  const doubts = new Map<string, string>();
  const note = (key: string, value: string, why: string | undefined): void => {
    if (key === '') return;
    values.set(key, [...(values.get(key) ?? []), value]);
    if (why === undefined) certain.add(key);
    else if (!doubts.has(key)) doubts.set(key, why);
  };
  const pairs = text.split('&');
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] ?? '';
    if (pair === '') continue;
    // The pair as a whole (`&` parsers), and its `;` pieces (older parsers).
    const texts = pair.includes(';') ? [pair, ...pair.split(';').filter((s) => s !== '')] : [pair];
    for (const t of texts) {
      const p = piece(t);
      if (typeof p === 'string') return { error: p };
      note(p.key, p.value, doubt(p, pair, i, true));
      const base = qsBaseKey(p.key);
      if (base !== p.key) note(base, p.value, doubt(p, pair, i, false));
    }
  }
  const uncertain = [...doubts].filter(([k]) => !certain.has(k));
  return {
    values: Object.fromEntries([...values].map(([k, v]) => [k, v.length === 1 ? (v[0] ?? '') : v])),
    uncertain: Object.fromEntries(uncertain),
  };
}
