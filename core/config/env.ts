/** Reading typed settings from the environment; a bad value fails at start-up, naming the variable. */
import { ZirizError } from '../errors/ziriz-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends ZirizError {
  constructor(message: string) {
    super('E_CONFIG', message);
  }
}

/** A number in [min, max] (integer when `integer`), or `def` when unset. */
export function envNumber(env: Env, key: string, def: number, min: number, max: number, integer = false): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  const ok = integer ? Number.isInteger(n) : Number.isFinite(n);
  if (!ok || n < min || n > max) throw new ConfigError(`${key}=${raw}: expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
  return n;
}

/** A comma-separated list, trimmed, without empty items. */
export function envList(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
