/**
 * Runs inside a guest of the kernel matrix (hack/vm/matrix, through
 * hack/vm/run-guest): what this kernel does with ziriz, measured with the
 * agent's own code. The feature probe; every program of every agent object
 * loaded alone (verified instructions, or the error); the agent's start
 * (probe + load + attach every program: NodeKernel.open) in a memory cgroup
 * (peak memory, kernel memory included; time to all hooks attached). Prints
 * one line `ZIRIZ-MATRIX <json>` (MatrixResult).
 */
import { release } from 'node:os';
import { measurePrograms } from '../../node-agent/src/bpf/verifier.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';
import { usableHooks } from '../../node-agent/src/probe/report.js';
import { measureAgentStart } from '../../bench/agent-start.js';
import { tempPinRoot } from '../../test/support/bpffs.js';
import type { MatrixResult } from './matrix-model.js';


const probe = runProbe();
const pins = tempPinRoot('ziriz-matrix-');
let programs: MatrixResult['programs'];
try {
  programs = measurePrograms(pins.dir).map((r) => ({
    object: r.object, program: r.program, ok: r.ok, loadMs: Math.round(r.loadMs),
    ...(r.stats ? { insns: r.stats.insns } : {}),
    ...(r.error ? { error: r.error.slice(0, 200) } : {}),
  }));
} finally {
  pins.remove();
}
const result: MatrixResult = {
  kernel: release(),
  lsm: probe.lsm.active ?? [],
  lsmUsable: probe.lsm.usable,
  hooks: usableHooks(probe),
  programs,
  agent: await measureAgentStart('load', 'matrix'),
};
process.stdout.write(`ZIRIZ-MATRIX ${JSON.stringify(result)}\n`);
