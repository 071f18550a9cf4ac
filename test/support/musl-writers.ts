/**
 * The musl-writer test program (test/apps/musl-writer.c) built twice with
 * musl-gcc: statically (a program ziriz cannot see) and dynamically (probed
 * through musl's write), plus the raw HTTP requests it sends
 * (<tool>.http for get_customer id 1 and delete_customer id 9), in a new
 * directory under `prefix` the caller removes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './kustomize.js';
import { rawToolRequest } from './tool-policy.js';

export function buildMuslWriters(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const src = join(REPO, 'test/apps/musl-writer.c');
  execFileSync('musl-gcc', ['-O2', '-static', '-o', join(dir, 'static-writer'), src]);
  execFileSync('musl-gcc', ['-O2', '-o', join(dir, 'dynamic-writer'), src]);
  for (const [tool, id] of [['get_customer', 1], ['delete_customer', 9]] as const) writeFileSync(join(dir, `${tool}.http`), rawToolRequest(tool, id));
  return dir;
}
