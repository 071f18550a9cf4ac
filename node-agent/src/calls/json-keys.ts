/**
 * Keys that clash inside one JSON object: the same key twice (after escapes
 * are decoded: `"m\u0065thod"` is `"method"`), or two keys Go's
 * encoding/json reads as one struct field (case-insensitive, Unicode simple
 * folding: `name`, `NAME`, `nAme`; `ſort` is `sort`). JSON.parse keeps the
 * last of a duplicate and drops the first; other parsers keep the first,
 * refuse, or (Go) fill one field from either: the policy cannot know which
 * value the server uses. A scan over the raw text (JSON.parse loses them),
 * iterative (no recursion on deep nesting), for text that is valid JSON.
 */
import { foldKey } from '../../../core/policy/glob.js';

export type JsonPath = readonly (string | number)[];

export interface KeyClash {
  /** Where the object is: keys and array indexes from the top. */
  readonly path: JsonPath;
  readonly first: string;
  readonly second: string;
  /** The same decoded key twice (else: two spellings Go folds together). */
  readonly exact: boolean;
}

interface Frame {
  readonly keys: Map<string, string> | null; // null: an array
  key: string;
  index: number;
  expectKey: boolean;
}

/** Index of the closing quote of the string starting at `at`. */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let bs = 0;
    while (text[q - 1 - bs] === '\\') bs++;
    if (bs % 2 === 0) return q;
    i = q + 1;
  }
}

function decodeKey(token: string): string {
  if (!token.includes('\\')) return token.slice(1, -1);
  const v: unknown = JSON.parse(token);
  return typeof v === 'string' ? v : token;
}

function pathOf(stack: readonly Frame[]): (string | number)[] {
  return stack.slice(0, -1).map((f) => (f.keys === null ? f.index : f.key));
}

/**
 * The first clash in each top-level element (the whole text when it is an
 * object; each element when it is an array), in order.
 */
export function keyClashes(text: string): KeyClash[] {
  const out: KeyClash[] = [];
  const reported = new Set<number>();
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (top?.keys && top.expectKey) {
        const key = decodeKey(text.slice(i, end + 1));
        const fold = foldKey(key);
        const prev = top.keys.get(fold);
        const root = stack[0] ?? top;
        const element = root.keys === null ? root.index : 0;
        if (prev !== undefined && !reported.has(element)) {
          reported.add(element);
          out.push({ path: pathOf(stack), first: prev, second: key, exact: prev === key });
        }
        top.keys.set(fold, key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      stack.push({ keys: new Map(), key: '', index: 0, expectKey: true });
    } else if (c === '[') {
      stack.push({ keys: null, key: '', index: 0, expectKey: false });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && top) {
      if (top.keys) top.expectKey = true;
      else top.index++;
    }
  }
  return out;
}

/** `params.arguments`, `[1].params`, `params["a.b"]`; the top level is "the message". */
export function showPath(path: JsonPath): string {
  if (path.length === 0) return 'the message';
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** A key as JSON, with non-ASCII escaped (U+212A shows as `\u212a`, not as a `K`). */
export function showKey(key: string): string {
  return JSON.stringify(key).replace(/[^\x20-\x7e]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** `duplicate key "name" in params`, or the case-folding variant. */
export function describeClash(c: KeyClash): string {
  const where = showPath(c.path);
  if (c.exact) return `duplicate key ${showKey(c.first)} in ${where}`;
  return `keys ${showKey(c.first)} and ${showKey(c.second)} in ${where} are one key to Go servers (case-insensitive match)`;
}
