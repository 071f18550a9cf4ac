/**
 * hack/vm/matrix [--write-docs] [RELEASE...]: the kernel matrix. For each
 * Debian kernel hack/vm/kernels serves (default: all it fetched), boots a
 * guest (hack/vm/run-guest) that runs hack/vm/matrix-guest.ts with the
 * agent's own code, and prints the table kernel x hook (ok / degraded /
 * failed), agent start memory and time, and verified instructions per
 * program. --write-docs puts the table into docs/kernel-support.md.
 * Exits 1 when matrixProblems finds any (matrix-model.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { VERIFIER_BUDGET } from '../../node-agent/src/bpf/verifier.js';
import { functionalTests, matrixMarkdown, matrixProblems, parseSummary, withMatrix, type FunctionalRun, type MatrixResult, type MatrixRow } from './matrix-model.js';

const ROOT = join(import.meta.dirname, '../../..');
const args = process.argv.slice(2);
const writeDocs = args.includes('--write-docs');
const functional = !args.includes('--no-tests');
const wanted = args.filter((a) => !a.startsWith('--'));

const listed = execFileSync(join(ROOT, 'hack/vm/kernels'), ['--print', ...wanted], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 3).map(([rel, krel, dir]) => ({ rel: rel ?? '', krel: krel ?? '', dir: dir ?? '' }));
if (listed.length === 0) {
  process.stderr.write('hack/vm/matrix: no kernel available (hack/vm/kernels fetched none)\n');
  process.exit(1);
}

function guest(dir: string, cmd: string[]): { status: number | null; out: string } {
  const r = spawnSync(join(ROOT, 'hack/vm/run-guest'), [dir, '--timeout', process.env.ZIRIZ_MATRIX_TIMEOUT ?? '900', '--env', 'CI=true', '--', ...cmd], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** The kernel tests for the hooks in place, in a second guest of the same kernel. */
function runTests(dir: string, result: MatrixResult): FunctionalRun {
  const files = functionalTests(result);
  if (files.length === 0) return { files, passed: 0, failed: 0, skipped: 0 };
  const r = guest(dir, ['node_modules/.bin/mocha', ...files]);
  const s = parseSummary(r.out);
  const tail = r.out.split('\n').filter((l) => /\d+\) |Error|expected/.test(l)).slice(0, 6).join(' / ').slice(0, 600);
  if (!s) return { files, passed: 0, failed: 1, skipped: 0, tail: `no summary (guest exit ${r.status ?? 'signal'}) ${tail}` };
  return { files, ...s, ...(s.failed > 0 ? { tail } : {}) };
}

const rows: MatrixRow[] = [];
for (const k of listed) {
  const t0 = Date.now();
  const r = spawnSync(join(ROOT, 'hack/vm/run-guest'), [k.dir, '--timeout', process.env.ZIRIZ_MATRIX_TIMEOUT ?? '900', '--', 'node', 'dist/hack/vm/matrix-guest.js'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = r.stdout.split('\n').find((l) => l.includes('ZIRIZ-MATRIX '));
  if (r.status === 0 && line) {
    const result = JSON.parse(line.slice(line.indexOf('ZIRIZ-MATRIX ') + 'ZIRIZ-MATRIX '.length)) as MatrixResult;
    rows.push({ release: k.rel, result, ...(functional ? { functional: runTests(k.dir, result) } : {}) });
    process.stderr.write(`[matrix] ${k.rel} ${result.kernel}: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  } else {
    rows.push({ release: k.rel, failure: `guest exit ${r.status ?? 'signal'}: ${(r.stderr + r.stdout).trim().split('\n').slice(-3).join(' / ').slice(0, 300)}` });
  }
}

const md = matrixMarkdown(rows, new Date().toISOString().slice(0, 10), `a host running ${release()}`);
process.stdout.write(`${md}\n`);
if (writeDocs) {
  const doc = join(ROOT, 'docs/kernel-support.md');
  writeFileSync(doc, withMatrix(readFileSync(doc, 'utf8'), md));
  process.stderr.write('[matrix] docs/kernel-support.md updated\n');
}
const problems = matrixProblems(rows, VERIFIER_BUDGET);
for (const p of problems) process.stdout.write(`PROBLEM ${p}\n`);
process.stdout.write(`kernel matrix: ${rows.length} kernels, ${problems.length} problems\n`);
process.exit(problems.length === 0 ? 0 : 1);
