/**
 * Where the differential harness's tools live: the Go server built with the
 * Go toolchain (cached under ~/.cache/ziriz/differential by the hash of its
 * source and the toolchain version), and the Python venv with the MCP Python
 * SDK that hack/setup-differential makes (run here too: idempotent, quick
 * when the venv is there).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/kustomize.js';
import type { Processes } from '../support/processes.js';

export const CACHE = join(process.env.ZIRIZ_CACHE ?? join(homedir(), '.cache/ziriz'), 'differential');
const GO_SRC = join(REPO, 'test/differential/servers/go');
export const PYTHON_SERVER = join(REPO, 'test/differential/servers/python/server.py');
export const VENV_PYTHON = join(CACHE, 'venv/bin/python');

function goTool(): string {
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

function failed(what: string, r: { code: number | null; signal: string | null; stdout: string; stderr: string }): Error {
  return new Error(`${what} failed (${r.code === null ? `signal ${r.signal ?? '?'}` : `exit ${r.code}`}): ${(r.stderr || r.stdout).slice(-2000)}`);
}

/** The Go server's binary, built once per source hash. */
export async function goServer(procs: Processes): Promise<string> {
  const go = goTool();
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
  const version = await procs.run(go, ['version'], 20_000, { env });
  if (version.code !== 0) throw failed(`${go} version (the Go toolchain is needed for the differential harness)`, version);
  const hash = createHash('sha256');
  for (const f of ['main.go', 'go.mod']) hash.update(readFileSync(join(GO_SRC, f)));
  hash.update(version.stdout);
  const out = join(CACHE, `go-server-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const built = await procs.run(go, ['build', '-o', tmp, '.'], 300_000, { cwd: GO_SRC, env });
  if (built.code !== 0) throw failed('go build of the differential Go server', built);
  renameSync(tmp, out);
  return out;
}

/** The venv's python, made by hack/setup-differential if missing. */
export async function pythonWithMcp(procs: Processes): Promise<string> {
  const r = await procs.run(join(REPO, 'hack/setup-differential'), [], 300_000);
  if (r.code !== 0) throw failed('hack/setup-differential (Python venv with the MCP SDK)', r);
  return VENV_PYTHON;
}
