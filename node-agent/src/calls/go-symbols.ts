/**
 * Where a Go program's TLS and socket functions are (Go carries its own TLS
 * stack and calls the kernel without libc: the OpenSSL and libc probes never
 * see it). The helper ziriz-gosym (node-agent/gosym, Go) reads the symbol
 * table or, in a stripped program, .gopclntab, and decodes each function to
 * give the file offsets of its entry and of its return instructions (Go
 * stacks break under uretprobes). One run per program file, cached by
 * device, inode, size and modification time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZirizError } from '../../../core/errors/ziriz-error.js';

export interface GoFunction {
  readonly name: string;
  readonly entry: number;
  readonly returns: readonly number[];
}

export interface GoProgram {
  /** Go version that built it ("go1.26.8"). */
  readonly go: string;
  readonly arch: string;
  readonly stripped: boolean;
  readonly functions: ReadonlyMap<string, GoFunction>;
}

export class GoSymbolsError extends ZirizError {
  constructor(message: string, readonly path: string) {
    super('GoSymbolsError', message);
  }
}

/** The helper: $ZIRIZ_GOSYM, else built next to this package (node-agent/gosym/build). */
export function gosymPath(): string {
  if (process.env.ZIRIZ_GOSYM) return process.env.ZIRIZ_GOSYM;
  // dist/node-agent/src/calls -> node-agent/gosym/build (repo) or /app/node-agent/gosym/build (image)
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../..', '../../..']) {
    const p = join(here, up, 'node-agent/gosym/build/ziriz-gosym');
    if (existsSync(p)) return p;
  }
  return join(here, '../../../../node-agent/gosym/build/ziriz-gosym');
}

interface HelperOutput {
  go?: unknown;
  arch?: unknown;
  stripped?: unknown;
  functions?: unknown;
}

/** Parse the helper's JSON line; null for a program that is not Go. Throws on a malformed answer. */
export function parseGoSymbols(text: string, path: string): GoProgram | null {
  let out: HelperOutput;
  try {
    out = JSON.parse(text) as HelperOutput;
  } catch {
    throw new GoSymbolsError(`ziriz-gosym printed no JSON: ${text.slice(0, 200)}`, path);
  }
  if (typeof (out as unknown) !== 'object' || (out as unknown) === null || typeof out.go !== 'string') throw new GoSymbolsError('ziriz-gosym: no "go" field', path);
  if (out.go === '') return null;
  const functions = new Map<string, GoFunction>();
  for (const f of Array.isArray(out.functions) ? (out.functions as unknown[]) : []) {
    const fn = f as { name?: unknown; entry?: unknown; returns?: unknown };
    const returns = Array.isArray(fn.returns) ? fn.returns : [];
    if (typeof fn.name !== 'string' || !Number.isSafeInteger(fn.entry) || !returns.every((r) => Number.isSafeInteger(r))) {
      throw new GoSymbolsError(`ziriz-gosym: malformed function ${JSON.stringify(f).slice(0, 200)}`, path);
    }
    functions.set(fn.name, { name: fn.name, entry: fn.entry as number, returns: returns as number[] });
  }
  return { go: out.go, arch: typeof out.arch === 'string' ? out.arch : '', stripped: out.stripped === true, functions };
}

export class GoSymbols {
  private readonly cache = new Map<string, GoProgram | null>();
  private readonly failed = new Map<string, GoSymbolsError>();

  constructor(private readonly helper: string = gosymPath(), private readonly timeoutMs = 20_000) {}

  /** Whether the helper is there (without it, Go programs are not probed: said once by the caller). */
  get available(): boolean {
    return existsSync(this.helper);
  }

  /**
   * The Go program at `path` (as the agent opens it), null when it is not a
   * Go program. Throws GoSymbolsError when it is one the helper cannot read
   * (then it is not probed and the caller reports it).
   */
  inspect(path: string): GoProgram | null {
    let key: string;
    try {
      const st = statSync(path);
      key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return null;
    }
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    const failure = this.failed.get(key);
    if (failure) throw failure;
    const r = spawnSync(this.helper, [path], { encoding: 'utf8', timeout: this.timeoutMs, maxBuffer: 1 << 20 });
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : (r.stderr || `exit ${String(r.status)}`).trim();
      const err = new GoSymbolsError(`ziriz-gosym could not read ${path}: ${why}`, path);
      // A missing helper is not the program's fault: not cached (it may be installed later).
      if (!(r.error && 'code' in r.error && r.error.code === 'ENOENT')) this.failed.set(key, err);
      throw err;
    }
    const prog = parseGoSymbols(r.stdout.trim(), path);
    this.cache.set(key, prog);
    return prog;
  }
}
