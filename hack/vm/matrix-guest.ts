/**
 * Runs inside a guest of the kernel matrix (hack/vm/matrix, through
 * hack/vm/run-guest): what this kernel does with ziriz, measured with the
 * agent's own code. The feature probe; every program of every agent object
 * loaded alone (verified instructions, or the error); the agent's start
 * (probe + load + attach every program: NodeKernel.open) in a memory cgroup
 * (peak memory, kernel memory included; time to all hooks attached). Prints
 * one line `ZIRIZ-MATRIX <json>` (MatrixResult).
 */
import { spawn } from 'node:child_process';
import { release } from 'node:os';
import { join } from 'node:path';
import { measurePrograms } from '../../node-agent/src/bpf/verifier.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';
import { usableHooks } from '../../node-agent/src/probe/report.js';
import { createMemoryCgroup } from '../../test/support/memcg.js';
import { tempPinRoot } from '../../test/support/bpffs.js';
import type { MatrixResult } from './matrix-model.js';

const MB = 1024 * 1024;

async function agentStart(): Promise<MatrixResult['agent']> {
  const cg = createMemoryCgroup(`ziriz-matrix-${process.pid}`, 4096 * MB);
  const pins = tempPinRoot('ziriz-matrix-');
  try {
    const child = spawn('/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', cg.procsFile, process.execPath, join(import.meta.dirname, '../../bench/apps/agent-load.js'), 'load', pins.dir, '/tmp/ziriz-matrix-tc.json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setInterval(() => { cg.sample(); }, 2);
    const code = await new Promise<number>((r) => child.once('exit', (c) => { r(c ?? 1); }));
    clearInterval(timer);
    if (code !== 0) return { ok: false, error: err.slice(-500), peakMb: cg.peakBytes() / MB };
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number; attached: string[]; degraded: string[] };
    return { ok: true, peakMb: cg.peakBytes() / MB, ms: r.ms, attached: r.attached, degraded: r.degraded };
  } finally {
    pins.remove();
    cg.remove();
  }
}

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
  agent: await agentStart(),
};
process.stdout.write(`ZIRIZ-MATRIX ${JSON.stringify(result)}\n`);
