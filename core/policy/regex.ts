/**
 * Bounded regular expressions for argument and query constraints.
 *
 * Patterns are compiled by our own parser into a Thompson NFA and matched by
 * simulating all states at once, so matching is linear in the input whatever
 * the pattern: no catastrophic backtracking is possible. The syntax is a small
 * RE2-compatible subset: literals, `.`, classes `[a-z0-9_]` / `[^...]`,
 * escapes `\d \w \s \D \W \S` and escaped metacharacters, groups `(...)` /
 * `(?:...)`, `|`, and the quantifiers `* + ?` `{n}` `{n,}` `{n,m}` (n, m <= 100).
 * A pattern always matches the whole value (`^`/`$` at the ends are accepted
 * and implied). Backreferences, lookaround and lazy quantifiers are rejected.
 */
export const REGEX_MAX_LENGTH = 256;
export const REGEX_MAX_STATES = 4096;
export const REGEX_MAX_REPEAT = 100;
/** Values longer than this are not matched (the constraint fails: fail closed). */
export const REGEX_MAX_INPUT = 65536;

export class RegexSyntaxError extends Error {}

interface CharRange {
  readonly lo: number;
  readonly hi: number;
}
type Node =
  | { readonly t: 'set'; readonly ranges: readonly CharRange[]; readonly neg: boolean }
  | { readonly t: 'cat'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly items: readonly Node[] }
  | { readonly t: 'rep'; readonly node: Node; readonly min: number; readonly max: number };

const DIGIT: CharRange[] = [{ lo: 48, hi: 57 }];
const WORD: CharRange[] = [{ lo: 48, hi: 57 }, { lo: 65, hi: 90 }, { lo: 95, hi: 95 }, { lo: 97, hi: 122 }];
// RE2's \s: tab, newline, form feed, carriage return, space.
const SPACE: CharRange[] = [{ lo: 9, hi: 10 }, { lo: 12, hi: 13 }, { lo: 32, hi: 32 }];
const CLASS_ESCAPES: Readonly<Record<string, { ranges: CharRange[]; neg: boolean }>> = {
  d: { ranges: DIGIT, neg: false },
  D: { ranges: DIGIT, neg: true },
  w: { ranges: WORD, neg: false },
  W: { ranges: WORD, neg: true },
  s: { ranges: SPACE, neg: false },
  S: { ranges: SPACE, neg: true },
};
const CHAR_ESCAPES: Readonly<Record<string, number>> = { n: 10, r: 13, t: 9, f: 12, v: 11 };
const META = new Set('\\.+*?()|[]{}^$/-'.split(''));

function single(c: number): Node {
  return { t: 'set', ranges: [{ lo: c, hi: c }], neg: false };
}

class Parser {
  private pos = 0;
  private readonly src: string[];

  constructor(pattern: string) {
    this.src = Array.from(pattern);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private fail(msg: string): never {
    throw new RegexSyntaxError(`${msg} at position ${this.pos}`);
  }

  parse(): Node {
    if (this.peek() === '^') this.pos++;
    const node = this.alt();
    if (this.pos !== this.src.length) this.fail(`unexpected "${this.peek() ?? ''}"`);
    return node;
  }

  private alt(): Node {
    const items = [this.seq()];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.seq());
    }
    return items.length === 1 && items[0] !== undefined ? items[0] : { t: 'alt', items };
  }

  private seq(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '$' && this.pos === this.src.length - 1) {
        this.pos++;
        break;
      }
      items.push(this.quantified(this.atom()));
    }
    return { t: 'cat', items };
  }

  private quantified(node: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') [min, max] = this.braces();
    else return node;
    if (c !== '{') this.pos++;
    const after = this.peek();
    if (after === '?' || after === '+') this.fail('lazy or possessive quantifiers are not supported');
    if (after === '*' || after === '{') this.fail('nested quantifier');
    return { t: 'rep', node, min, max };
  }

  private braces(): [number, number] {
    const rest = this.src.slice(this.pos).join('');
    const m = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(rest);
    if (m === null) this.fail('malformed {n,m} quantifier');
    this.pos += Array.from(m[0]).length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > REGEX_MAX_REPEAT || (max !== Infinity && max > REGEX_MAX_REPEAT)) {
      this.fail(`repetition counts above ${REGEX_MAX_REPEAT} are not allowed`);
    }
    if (max < min) this.fail('{n,m} with m < n');
    return [min, max];
  }

  private atom(): Node {
    const c = this.src[this.pos++];
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        return { t: 'set', ranges: [{ lo: 10, hi: 10 }], neg: true };
      case '\\':
        return this.escape(false);
      case '*':
      case '+':
      case '?':
      case '{':
        return this.fail('quantifier without a target');
      case ')':
      case ']':
      case '}':
      case '^':
      case '$':
        return this.fail(`unescaped "${c}"`);
      case undefined:
        return this.fail('unexpected end');
      default:
        return single(c.codePointAt(0) ?? 0);
    }
  }

  private group(): Node {
    if (this.peek() === '?') {
      if (this.src[this.pos + 1] !== ':') this.fail('lookaround and named groups are not supported');
      this.pos += 2;
    }
    const inner = this.alt();
    if (this.src[this.pos++] !== ')') this.fail('missing ")"');
    return inner;
  }

  private escape(inClass: boolean): Node {
    const c = this.src[this.pos++];
    if (c === undefined) this.fail('trailing backslash');
    const cls = CLASS_ESCAPES[c];
    if (cls !== undefined) return { t: 'set', ranges: cls.ranges, neg: cls.neg };
    const ch = CHAR_ESCAPES[c];
    if (ch !== undefined) return single(ch);
    if (/[0-9]/.test(c)) this.fail('backreferences are not supported');
    if (!META.has(c) && !(inClass && c === ']')) this.fail(`unknown escape "\\${c}"`);
    return single(c.codePointAt(0) ?? 0);
  }

  private classAtom(): CharRange[] {
    const c = this.src[this.pos++];
    if (c === undefined) this.fail('missing "]"');
    if (c !== '\\') return [{ lo: c.codePointAt(0) ?? 0, hi: c.codePointAt(0) ?? 0 }];
    const node = this.escape(true);
    if (node.t !== 'set' || node.neg) this.fail('negated class escapes are not supported inside [...]');
    return [...node.ranges];
  }

  private charClass(): Node {
    let neg = false;
    if (this.peek() === '^') {
      neg = true;
      this.pos++;
    }
    const ranges: CharRange[] = [];
    let first = true;
    while (this.peek() !== ']' || first) {
      if (this.peek() === undefined) this.fail('missing "]"');
      first = false;
      const lo = this.classAtom();
      const lone = lo.length === 1 ? lo[0] : undefined;
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && lone !== undefined) {
        this.pos++;
        const hi = this.classAtom();
        const top = hi.length === 1 ? hi[0] : undefined;
        if (top === undefined || top.lo < lone.lo) this.fail('bad character range');
        ranges.push({ lo: lone.lo, hi: top.lo });
      } else {
        ranges.push(...lo);
      }
    }
    this.pos++;
    return { t: 'set', ranges, neg };
  }
}

/* ---- Thompson NFA ------------------------------------------------------ */

type State =
  | { kind: 'set'; ranges: readonly CharRange[]; neg: boolean; out: number }
  | { kind: 'split'; out: number; out2: number }
  | { kind: 'match' };

interface Frag {
  start: number;
  /** Indexes of states whose dangling `out` (or `out2`) must be patched. */
  holes: { state: number; second: boolean }[];
}

class Builder {
  readonly states: State[] = [];

  private add(s: State): number {
    if (this.states.length >= REGEX_MAX_STATES) {
      throw new RegexSyntaxError(`pattern too large (more than ${REGEX_MAX_STATES} states)`);
    }
    this.states.push(s);
    return this.states.length - 1;
  }

  private patch(holes: Frag['holes'], to: number): void {
    for (const h of holes) {
      const s = this.states[h.state];
      if (s === undefined || s.kind === 'match') continue;
      if (h.second && s.kind === 'split') s.out2 = to;
      else s.out = to;
    }
  }

  private empty(): Frag {
    const s = this.add({ kind: 'split', out: -1, out2: -1 });
    // A split whose both arms lead to the same place acts as an epsilon.
    return { start: s, holes: [{ state: s, second: false }, { state: s, second: true }] };
  }

  build(node: Node): Frag {
    switch (node.t) {
      case 'set': {
        const s = this.add({ kind: 'set', ranges: node.ranges, neg: node.neg, out: -1 });
        return { start: s, holes: [{ state: s, second: false }] };
      }
      case 'cat': {
        let frag: Frag | undefined;
        for (const item of node.items) {
          const next = this.build(item);
          if (frag === undefined) frag = next;
          else {
            this.patch(frag.holes, next.start);
            frag = { start: frag.start, holes: next.holes };
          }
        }
        return frag ?? this.empty();
      }
      case 'alt': {
        const frags = node.items.map((n) => this.build(n));
        let acc = frags[0] ?? this.empty();
        for (const f of frags.slice(1)) {
          const s = this.add({ kind: 'split', out: acc.start, out2: f.start });
          acc = { start: s, holes: [...acc.holes, ...f.holes] };
        }
        return acc;
      }
      case 'rep':
        return this.repeat(node.node, node.min, node.max);
    }
  }

  private repeat(node: Node, min: number, max: number): Frag {
    const parts: Frag[] = [];
    for (let i = 0; i < min; i++) parts.push(this.build(node));
    if (max === Infinity) {
      const body = this.build(node);
      const s = this.add({ kind: 'split', out: body.start, out2: -1 });
      this.patch(body.holes, s);
      parts.push({ start: s, holes: [{ state: s, second: true }] });
    } else {
      for (let i = min; i < max; i++) {
        const body = this.build(node);
        const s = this.add({ kind: 'split', out: body.start, out2: -1 });
        parts.push({ start: s, holes: [...body.holes, { state: s, second: true }] });
      }
    }
    let acc = parts[0] ?? this.empty();
    for (const f of parts.slice(1)) {
      this.patch(acc.holes, f.start);
      acc = { start: acc.start, holes: f.holes };
    }
    return acc;
  }
}

function inSet(s: { ranges: readonly CharRange[]; neg: boolean }, c: number): boolean {
  const hit = s.ranges.some((r) => c >= r.lo && c <= r.hi);
  return s.neg ? !hit : hit;
}

export interface BoundedRegex {
  readonly source: string;
  test(value: string): boolean;
}

/** Compile a bounded pattern; throws RegexSyntaxError with the reason. */
export function compileBoundedRegex(pattern: string): BoundedRegex {
  if (pattern.length > REGEX_MAX_LENGTH) throw new RegexSyntaxError(`longer than ${REGEX_MAX_LENGTH} characters`);
  const builder = new Builder();
  const frag = builder.build(new Parser(pattern).parse());
  const match = builder.states.length;
  builder.states.push({ kind: 'match' });
  for (const h of frag.holes) {
    const s = builder.states[h.state];
    if (s === undefined || s.kind === 'match') continue;
    if (h.second && s.kind === 'split') s.out2 = match;
    else s.out = match;
  }
  const states = builder.states;

  const closure = (start: number, into: Set<number>): void => {
    const stack = [start];
    while (stack.length > 0) {
      const i = stack.pop() ?? -1;
      if (i < 0 || into.has(i)) continue;
      into.add(i);
      const s = states[i];
      if (s?.kind === 'split') stack.push(s.out, s.out2);
    }
  };

  return {
    source: pattern,
    test(value: string): boolean {
      if (value.length > REGEX_MAX_INPUT) return false;
      let current = new Set<number>();
      closure(frag.start, current);
      for (const ch of value) {
        const c = ch.codePointAt(0) ?? 0;
        const next = new Set<number>();
        for (const i of current) {
          const s = states[i];
          if (s?.kind === 'set' && inSet(s, c)) closure(s.out, next);
        }
        if (next.size === 0) return false;
        current = next;
      }
      return current.has(match);
    },
  };
}
