/**
 * hack/bench verifier: the cost of loading ziriz into this kernel.
 *  1. per program: instructions the verifier processed (its limit: 1,000,000;
 *     ziriz's budget: a fifth), peak states, verification and load time;
 *  2. the agent's start (probe + load + attach every program, as
 *     NodeKernel.open does) in a memory cgroup, kernel memory included:
 *     peak memory and time to all hooks attached, against a baseline in the
 *     same run (the same process, probing only, no program loaded).
 * Runs under the agent's runtime flags (bench/agent-runtime.ts).
 */
import { spawnSync } from 'node:child_process';
import { release } from 'node:os';
import { join } from 'node:path';
import { formatProgramLoads, measurePrograms, VERIFIER_BUDGET } from '../node-agent/src/bpf/verifier.js';
import { createMemoryCgroup } from '../test/support/memcg.js';
import { tempPinRoot } from '../test/support/bpffs.js';
import { runAsAgent } from './agent-runtime.js';

runAsAgent();
const MB = 1024 * 1024;

function startInCgroup(mode: 'load' | 'baseline', round: number): { peakMb: number; ms: number; out: string } {
  const cg = createMemoryCgroup(`ziriz-bench-${process.pid}-${mode}-${round}`, 4 * 1024 * MB);
  try {
    const pins = tempPinRoot('ziriz-bench-');
    const child = join(import.meta.dirname, 'apps/agent-load.js');
    const r = spawnSync('/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cg.procsFile, process.execPath, ...process.execArgv, child, mode, pins.dir, `/tmp/ziriz-bench-${process.pid}.json`], { encoding: 'utf8' });
    pins.remove();
    if (r.status !== 0) throw new Error(`agent-load ${mode} failed: ${r.stderr}`);
    const line = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ms: number };
    return { peakMb: cg.peakBytes() / MB, ms: line.ms, out: r.stdout.trim() };
  } finally {
    cg.remove();
  }
}

const pins = tempPinRoot('ziriz-bench-');
const rows = (() => {
  try {
    return measurePrograms(pins.dir);
  } finally {
    pins.remove();
  }
})();
process.stdout.write(`kernel ${release()}; verifier budget ${VERIFIER_BUDGET} insns (a fifth of the limit)\n`);
for (const l of formatProgramLoads(rows)) process.stdout.write(`  ${l}\n`);
const loaded = rows.filter((r) => r.ok && r.stats);
const worst = loaded.reduce((a, r) => Math.max(a, r.stats?.insns ?? 0), 0);
process.stdout.write(`  programs loaded ${loaded.length} of ${rows.length}; largest ${worst} insns = ${(worst / VERIFIER_BUDGET).toFixed(3)} of the budget\n`);

const rounds = 3;
const load: { peakMb: number; ms: number }[] = [];
const base: { peakMb: number; ms: number }[] = [];
let last = '';
for (let i = 0; i < rounds; i++) {
  base.push(startInCgroup('baseline', i));
  const l = startInCgroup('load', i);
  load.push(l);
  last = l.out;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const lp = median(load.map((x) => x.peakMb));
const bp = median(base.map((x) => x.peakMb));
process.stdout.write(`agent start in a memory cgroup (median of ${rounds}; kernel memory included):\n`);
process.stdout.write(`  probe only (baseline): peak ${bp.toFixed(1)} MB, ${median(base.map((x) => x.ms)).toFixed(0)} ms\n`);
process.stdout.write(`  probe + load + attach every program: peak ${lp.toFixed(1)} MB, ${median(load.map((x) => x.ms)).toFixed(0)} ms to all hooks attached\n`);
process.stdout.write(`  ratio peak load / baseline ${(lp / bp).toFixed(2)}; loading adds ${(lp - bp).toFixed(1)} MB\n`);
process.stdout.write(`  last run: ${last}\n`);
