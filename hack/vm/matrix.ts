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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const LOGS = join(process.env.ZIRIZ_CACHE ?? join(process.env.HOME ?? '/root', '.cache/ziriz'), 'vm/logs');
mkdirSync(LOGS, { recursive: true });

/**
 * One guest run; its whole serial log is kept under LOGS. The timeout is a
 * few times what a run takes under TCG (measure ~20 s, tests ~70 s): an
 * emulated guest has hung in a soft lockup once in some dozens of boots, and
 * such a guest is booted again rather than waited for.
 */
function guest(dir: string, cmd: string[], tag: string, timeoutS: number): { status: number | null; out: string; log: string } {
  const log = join(LOGS, `${tag}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const r = spawnSync(join(ROOT, 'hack/vm/run-guest'), [dir, '--timeout', String(timeoutS), '--env', 'CI=true', '--log', log, '--', ...cmd], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`, log };
}

/** Why a guest gave no result: a kernel panic's first lines when there was one, else the end of its output. */
function whyNoResult(r: { status: number | null; out: string; log: string }): string {
  const serial = existsSync(r.log) ? readFileSync(r.log, 'utf8') : r.out;
  const lines = serial.split('\n').map((l) => l.trim());
  const oops = lines.findIndex((l) => /BUG:|Oops|general protection|Kernel panic/.test(l));
  const what = oops >= 0 ? lines.slice(oops, oops + 12).filter((l) => l !== '').join(' / ') : lines.filter(Boolean).slice(-3).join(' / ');
  return `guest exit ${r.status ?? 'signal'}: ${what.slice(0, 900)} (serial log ${r.log})`;
}

/** The kernel tests for the hooks in place, in a second guest of the same kernel. */
function runTests(dir: string, result: MatrixResult): FunctionalRun {
  const files = functionalTests(result);
  if (files.length === 0) return { files, passed: 0, failed: 0, skipped: 0 };
  const run = (): ReturnType<typeof guest> => guest(dir, ['node_modules/.bin/mocha', ...files], `${result.kernel}-tests`, Number(process.env.ZIRIZ_MATRIX_TESTS_TIMEOUT ?? 600));
  let r = run();
  if (!parseSummary(r.out)) {
    process.stderr.write(`[matrix] ${result.kernel}: the tests' guest gave no result, booting once more: ${whyNoResult(r)}\n`);
    r = run();
  }
  const s = parseSummary(r.out);
  const tail = r.out.split('\n').filter((l) => /\d+\) |Error|expected/.test(l)).slice(0, 6).join(' / ').slice(0, 600);
  if (!s) return { files, passed: 0, failed: 1, skipped: 0, tail: `no summary (guest exit ${r.status ?? 'signal'}) ${tail}` };
  return { files, ...s, ...(s.failed > 0 ? { tail } : {}) };
}

const rows: MatrixRow[] = [];
for (const k of listed) {
  const t0 = Date.now();
  const measure = (): ReturnType<typeof guest> => guest(k.dir, ['node', 'dist/hack/vm/matrix-guest.js'], `${k.rel}-measure`, Number(process.env.ZIRIZ_MATRIX_TIMEOUT ?? 180));
  let r = measure();
  let retried: string | undefined;
  if (r.status !== 0 || !r.out.includes('ZIRIZ-MATRIX ')) {
    // Emulated guests (TCG) have panicked in an interrupt or hung in a soft lockup, about once in a few dozen boots: one more boot, and the first failure is reported.
    retried = whyNoResult(r);
    process.stderr.write(`[matrix] ${k.rel}: no result, booting once more: ${retried}\n`);
    r = measure();
  }
  const line = r.out.split('\n').find((l) => l.includes('ZIRIZ-MATRIX '));
  if (r.status === 0 && line) {
    const result = JSON.parse(line.slice(line.indexOf('ZIRIZ-MATRIX ') + 'ZIRIZ-MATRIX '.length)) as MatrixResult;
    rows.push({ release: k.rel, result, ...(retried ? { retried } : {}), ...(functional ? { functional: runTests(k.dir, result) } : {}) });
    process.stderr.write(`[matrix] ${k.rel} ${result.kernel}: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  } else {
    rows.push({ release: k.rel, failure: whyNoResult(r), ...(retried ? { retried } : {}) });
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
