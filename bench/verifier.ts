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
import { release } from 'node:os';
import { formatProgramLoads, measurePrograms, VERIFIER_BUDGET } from '../node-agent/src/bpf/verifier.js';
import { tempPinRoot } from '../test/support/bpffs.js';
import { measureAgentStart, type AgentStart } from './agent-start.js';
import { runAsAgent } from './agent-runtime.js';

runAsAgent();


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
const load: AgentStart[] = [];
const base: AgentStart[] = [];
for (let i = 0; i < rounds; i++) {
  base.push(await measureAgentStart('baseline', `b${i}`));
  load.push(await measureAgentStart('load', `l${i}`));
}
const failed = [...base, ...load].find((x) => !x.ok);
if (failed) throw new Error(`agent start failed: ${failed.error ?? ''}`);
const last = load[load.length - 1];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const lp = median(load.map((x) => x.peakMb));
const bp = median(base.map((x) => x.peakMb));
process.stdout.write(`agent start in a memory cgroup (median of ${rounds}; kernel memory included):\n`);
process.stdout.write(`  probe only (baseline): peak ${bp.toFixed(1)} MB, ${median(base.map((x) => x.ms ?? NaN)).toFixed(0)} ms\n`);
process.stdout.write(`  probe + load + attach every program: peak ${lp.toFixed(1)} MB, ${median(load.map((x) => x.ms ?? NaN)).toFixed(0)} ms to all hooks attached\n`);
process.stdout.write(`  ratio peak load / baseline ${(lp / bp).toFixed(2)}; loading adds ${(lp - bp).toFixed(1)} MB\n`);
process.stdout.write(`  last run: attached ${last?.attached?.join(', ') ?? ''}; degraded ${last?.degraded?.join(', ') ?? 'none'}\n`);
