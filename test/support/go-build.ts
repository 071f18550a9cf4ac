/**
 * Go programs the tests run, built with the machine's Go toolchain (the
 * module proxy serves their dependencies) and cached under
 * ~/.cache/ziriz/go-builds by the hash of their sources, the build flags and
 * the toolchain version.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { Processes } from './processes.js';

const CACHE = join(process.env.ZIRIZ_CACHE ?? join(homedir(), '.cache/ziriz'), 'go-builds');
const GO_ENV = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };

export function goTool(): string {
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

export function commandFailed(what: string, r: { code: number | null; signal: string | null; stdout: string; stderr: string }): Error {
  return new Error(`${what} failed (${r.code === null ? `signal ${r.signal ?? '?'}` : `exit ${r.code}`}): ${(r.stderr || r.stdout).slice(-2000)}`);
}

/**
 * The binary of the Go module in `src` (its *.go, go.mod, go.sum), built
 * once per source hash; `buildArgs` go before the package (e.g. ['-ldflags=-s -w'] for a stripped build).
 */
export async function goBuild(procs: Processes, src: string, buildArgs: readonly string[] = []): Promise<string> {
  const go = goTool();
  const version = await procs.run(go, ['version'], 20_000, { env: GO_ENV });
  if (version.code !== 0) throw commandFailed(`${go} version (the Go toolchain is needed)`, version);
  const hash = createHash('sha256');
  for (const f of readdirSync(src).filter((n) => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum').sort()) {
    hash.update(f).update(readFileSync(join(src, f)));
  }
  hash.update(JSON.stringify(buildArgs)).update(version.stdout);
  const out = join(CACHE, `${basename(src)}-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const built = await procs.run(go, ['build', ...buildArgs, '-o', tmp, '.'], 300_000, { cwd: src, env: GO_ENV });
  if (built.code !== 0) throw commandFailed(`go build of ${src}`, built);
  renameSync(tmp, out);
  return out;
}
