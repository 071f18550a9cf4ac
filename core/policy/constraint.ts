/**
 * Value constraints on MCP tool arguments and HTTP query parameters:
 * parsing (with eager checks that name the field) and checking (a pure
 * function returning the violation as human text, or undefined).
 *
 * Checks fail closed: a value of the wrong type for a constraint violates it
 * (`limit: "100000"` does not pass `max: 100` by being a string).
 */
import type { ValueConstraint, ValueType } from './model.js';
import { VALUE_TYPES } from './model.js';
import type { Reader } from './reader.js';
import { compileBoundedRegex, RegexSyntaxError } from './regex.js';
import type { BoundedRegex } from './regex.js';

export const CONSTRAINT_FIELDS = ['required', 'forbidden', 'type', 'min', 'max', 'in', 'notIn', 'pattern', 'maxLength', 'maxItems'] as const;
const QUERY_TYPES: readonly ValueType[] = ['string', 'number', 'integer'];

export const MAX_KEYS = 64;
const MAX_LIST = 256;
const MAX_VALUE_LENGTH = 1024;

/** Keys of arguments / query parameters. */
export const VALUE_KEY_RE = /^[A-Za-z0-9_.$@:-]{1,128}$/;

function stringList(r: Reader): string[] | undefined {
  if (r.isAbsent()) return undefined;
  const items = r.array(MAX_LIST);
  if (items.length === 0) r.fail('must not be empty');
  return items.map((i) => (i.value === '' ? '' : i.string(MAX_VALUE_LENGTH)));
}

function checkShape(r: Reader, c: ValueConstraint, query: boolean): void {
  const others = CONSTRAINT_FIELDS.filter((k) => k !== 'forbidden' && k !== 'required' && !r.field(k).isAbsent());
  if (c.forbidden && (c.required || others.length > 0)) r.field('forbidden').fail('a forbidden key takes no other constraint');
  if (c.min !== undefined && c.max !== undefined && c.max < c.min) r.field('max').fail(`must be at least min (${c.min})`);
  const numeric = c.min !== undefined || c.max !== undefined;
  if (numeric && c.type !== undefined && c.type !== 'number' && c.type !== 'integer') {
    r.field('type').fail(`min/max need type number or integer, not ${c.type}`);
  }
  if (query && c.type !== undefined && !QUERY_TYPES.includes(c.type)) {
    r.field('type').fail(`a query parameter is a string, number or integer, not ${c.type}`);
  }
  if (c.maxItems !== undefined && c.type !== undefined && c.type !== 'array' && !query) {
    r.field('maxItems').fail(`maxItems needs type array, not ${c.type}`);
  }
}

/** Parse one constraint; `query` limits types to what a query string can carry. */
export function parseConstraint(r: Reader, query: boolean): ValueConstraint {
  r.object(CONSTRAINT_FIELDS);
  const patternReader = r.field('pattern');
  const pattern = patternReader.optString(256);
  if (pattern !== undefined) {
    try {
      compileBoundedRegex(pattern);
    } catch (err) {
      if (err instanceof RegexSyntaxError) patternReader.fail(`not an allowed bounded pattern: ${err.message}`);
      throw err;
    }
  }
  const typeReader = r.field('type');
  const c: ValueConstraint = {
    required: r.field('required').boolean(false),
    forbidden: r.field('forbidden').boolean(false),
    ...(typeReader.isAbsent() ? {} : { type: typeReader.oneOf(VALUE_TYPES) }),
    ...optional('min', r.field('min').optNumber()),
    ...optional('max', r.field('max').optNumber()),
    ...optional('in', stringList(r.field('in'))),
    ...optional('notIn', stringList(r.field('notIn'))),
    ...optional('pattern', pattern),
    ...optional('maxLength', r.field('maxLength').optInteger(0, 1 << 20)),
    ...optional('maxItems', r.field('maxItems').optInteger(0, 1 << 20)),
  };
  checkShape(r, c, query);
  return c;
}

/** Spread helper for exactOptionalPropertyTypes: `{}` when undefined. */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export function parseConstraintMap(r: Reader, query: boolean): Record<string, ValueConstraint> {
  if (r.isAbsent()) return {};
  const out: Record<string, ValueConstraint> = {};
  const entries = r.entries();
  if (entries.length > MAX_KEYS) r.fail(`at most ${MAX_KEYS} keys allowed`);
  for (const [key, cr] of entries) {
    if (!VALUE_KEY_RE.test(key)) cr.fail(`"${key}" is not a valid ${query ? 'query parameter' : 'argument'} name`);
    out[key] = parseConstraint(cr, query);
  }
  return out;
}

/* ---- checking ---------------------------------------------------------- */

const regexCache = new Map<string, BoundedRegex>();
function regex(pattern: string): BoundedRegex {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    re = compileBoundedRegex(pattern);
    if (regexCache.size < 1024) regexCache.set(pattern, re);
  }
  return re;
}

function show(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

function typeOf(v: unknown): ValueType | 'null' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  return 'object';
}

function typeOk(want: ValueType, v: unknown): boolean {
  const got = typeOf(v);
  return got === want || (want === 'number' && got === 'integer');
}

/** A strict decimal number from a query string value, or undefined. */
export function decimal(s: string): number | undefined {
  return /^-?(0|[1-9]\d{0,15})(\.\d{1,15})?$/.test(s) ? Number(s) : undefined;
}

function numberCheck(c: ValueConstraint, v: unknown): string | undefined {
  if (typeof v !== 'number') return `${show(v)} is not a number`;
  if (c.min !== undefined && v < c.min) return `${v} is below the minimum ${c.min}`;
  if (c.max !== undefined && v > c.max) return `${v} is above the maximum ${c.max}`;
  return undefined;
}

function stringChecks(c: ValueConstraint, v: unknown): string | undefined {
  const scalar = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (c.in !== undefined || c.notIn !== undefined) {
    if (scalar === undefined) return `${show(v)} is not a string`;
    if (c.in !== undefined && !c.in.includes(scalar)) return `${show(v)} not allowed (allowed: ${c.in.map(show).join(', ')})`;
    if (c.notIn?.includes(scalar) === true) return `${show(v)} not allowed`;
  }
  if (c.pattern !== undefined && (typeof v !== 'string' || !regex(c.pattern).test(v))) {
    return `${show(v)} does not match ${c.pattern}`;
  }
  if (c.maxLength !== undefined) {
    if (typeof v !== 'string') return `${show(v)} is not a string`;
    if (Array.from(v).length > c.maxLength) return `longer than ${c.maxLength} characters`;
  }
  return undefined;
}

/**
 * Check a present value. For query parameters the value is the raw string;
 * numeric constraints parse it strictly as a decimal number.
 */
function checkPresent(c: ValueConstraint, raw: unknown, query: boolean): string | undefined {
  if (c.forbidden) return 'not allowed';
  const numeric = c.min !== undefined || c.max !== undefined || c.type === 'number' || c.type === 'integer';
  const v = query && numeric && typeof raw === 'string' ? (decimal(raw) ?? raw) : raw;
  if (c.type !== undefined && !typeOk(c.type, v)) return `${show(raw)} is not of type ${c.type}`;
  if (c.min !== undefined || c.max !== undefined) {
    const problem = numberCheck(c, v);
    if (problem !== undefined) return problem;
  }
  if (c.maxItems !== undefined && !query) {
    if (!Array.isArray(v)) return `${show(v)} is not a list`;
    if (v.length > c.maxItems) return `${v.length} items, at most ${c.maxItems} allowed`;
  }
  return stringChecks(c, query ? raw : v);
}

export interface Violation {
  /** The argument or query parameter that failed. */
  readonly key: string;
  /** Human text, e.g. `argument filter: "none" not allowed`. */
  readonly reason: string;
}

/**
 * Check every constraint of a map against an object of values; the first
 * violation, or undefined. Query values may repeat (`a=1&a=2`): every
 * occurrence is checked, and `maxItems` bounds the number of occurrences.
 */
export function checkValues(
  constraints: Readonly<Record<string, ValueConstraint>>,
  values: Readonly<Record<string, unknown>>,
  query: boolean,
): Violation | undefined {
  const label = query ? 'query' : 'argument';
  for (const [key, c] of Object.entries(constraints)) {
    const present = Object.prototype.hasOwnProperty.call(values, key) && values[key] !== undefined;
    if (!present) {
      if (c.required) return { key, reason: `${label} ${key}: required` };
      continue;
    }
    const value = values[key];
    const occurrences = query && Array.isArray(value) ? (value as unknown[]) : [value];
    if (query && c.maxItems !== undefined && occurrences.length > c.maxItems) {
      return { key, reason: `${label} ${key}: given ${occurrences.length} times, at most ${c.maxItems} allowed` };
    }
    for (const v of occurrences) {
      const problem = checkPresent(c, v, query);
      if (problem !== undefined) return { key, reason: `${label} ${key}: ${problem}` };
    }
  }
  return undefined;
}
