/**
 * A cursor over untrusted JSON/YAML data that knows its field path, so every
 * validation failure names the exact field (`spec.mcp.tools[2].name`).
 * Unknown fields are rejected: a typo in a security policy must not be
 * silently ignored.
 */
import { PolicyInvalidError } from './errors.js';

export class Reader {
  readonly value: unknown;
  readonly path: string;
  readonly policy: string;

  constructor(value: unknown, path: string, policy: string) {
    this.value = value;
    this.path = path;
    this.policy = policy;
  }

  fail(message: string): never {
    throw new PolicyInvalidError(this.policy, this.path, message);
  }

  isAbsent(): boolean {
    return this.value === undefined || this.value === null;
  }

  /** The value as a plain object whose keys are all in `allowed`. */
  object(allowed?: readonly string[]): Record<string, unknown> {
    const v = this.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('must be an object');
    const obj = v as Record<string, unknown>;
    if (allowed !== undefined) {
      for (const key of Object.keys(obj)) {
        if (!allowed.includes(key)) this.fail(`unknown field "${key}" (allowed: ${allowed.join(', ')})`);
      }
    }
    return obj;
  }

  /** Child field; absent fields give a Reader whose isAbsent() is true. */
  field(name: string): Reader {
    const obj = this.object();
    const child = Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : undefined;
    return new Reader(child, this.path === '' ? name : `${this.path}.${name}`, this.policy);
  }

  /** Entries of an object map, each as a Reader (`path.key`). */
  entries(): [string, Reader][] {
    return Object.entries(this.object()).map(([k, v]) => [k, new Reader(v, `${this.path}.${k}`, this.policy)]);
  }

  array(maxItems: number): Reader[] {
    if (!Array.isArray(this.value)) this.fail('must be a list');
    const items: unknown[] = this.value;
    if (items.length > maxItems) this.fail(`at most ${maxItems} items allowed, got ${items.length}`);
    return items.map((v, i) => new Reader(v, `${this.path}[${i}]`, this.policy));
  }

  /** Optional list: absent gives []. */
  optArray(maxItems: number): Reader[] {
    return this.isAbsent() ? [] : this.array(maxItems);
  }

  string(maxLength = 253): string {
    if (typeof this.value !== 'string') this.fail('must be a string');
    if (this.value.length === 0) this.fail('must not be empty');
    if (this.value.length > maxLength) this.fail(`at most ${maxLength} characters allowed`);
    return this.value;
  }

  optString(maxLength = 253): string | undefined {
    return this.isAbsent() ? undefined : this.string(maxLength);
  }

  /** A string matching `re`; `what` describes the expected form in the error. */
  matching(re: RegExp, what: string, maxLength = 253): string {
    const s = this.string(maxLength);
    if (!re.test(s)) this.fail(`"${s}" is not ${what}`);
    return s;
  }

  oneOf<T extends string>(values: readonly T[], fallback?: T): T {
    if (this.isAbsent() && fallback !== undefined) return fallback;
    const s = this.string();
    if (!(values as readonly string[]).includes(s)) this.fail(`"${s}" is not one of ${values.join(', ')}`);
    return s as T;
  }

  number(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.fail('must be a finite number');
    return this.value;
  }

  optNumber(): number | undefined {
    return this.isAbsent() ? undefined : this.number();
  }

  integer(min: number, max: number): number {
    const n = this.number();
    if (!Number.isInteger(n) || n < min || n > max) this.fail(`must be an integer from ${min} to ${max}`);
    return n;
  }

  optInteger(min: number, max: number): number | undefined {
    return this.isAbsent() ? undefined : this.integer(min, max);
  }

  boolean(fallback: boolean): boolean {
    if (this.isAbsent()) return fallback;
    if (typeof this.value !== 'boolean') this.fail('must be true or false');
    return this.value;
  }

  /** A non-empty list of strings, each checked by `check`. */
  strings<T extends string>(maxItems: number, check: (r: Reader) => T): T[] {
    const items = this.array(maxItems);
    if (items.length === 0) this.fail('must not be empty');
    return items.map(check);
  }
}
