/**
 * Where the differential harness's tools live: the Go server built with the
 * Go toolchain (test/support/go-build.ts caches it by the hash of its source
 * and the toolchain version), and the Python venv with the MCP Python
 * SDK that hack/setup-differential makes (run here too: idempotent, quick
 * when the venv is there).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/kustomize.js';
import { commandFailed, goBuild } from '../support/go-build.js';
import type { Processes } from '../support/processes.js';

export const CACHE = join(process.env.ZIRIZ_CACHE ?? join(homedir(), '.cache/ziriz'), 'differential');
const GO_SRC = join(REPO, 'test/differential/servers/go');
export const PYTHON_SERVER = join(REPO, 'test/differential/servers/python/server.py');
export const VENV_PYTHON = join(CACHE, 'venv/bin/python');

/** The Go server's binary, built once per source hash. */
export async function goServer(procs: Processes): Promise<string> {
  return goBuild(procs, GO_SRC);
}

/** The venv's python, made by hack/setup-differential if missing. */
export async function pythonWithMcp(procs: Processes): Promise<string> {
  const r = await procs.run(join(REPO, 'hack/setup-differential'), [], 300_000);
  if (r.code !== 0) throw commandFailed('hack/setup-differential (Python venv with the MCP SDK)', r);
  return VENV_PYTHON;
}
