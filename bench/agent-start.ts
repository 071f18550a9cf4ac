/**
 * The node agent's start (probe, then load and attach every program:
 * bench/apps/agent-load.ts) in a memory cgroup of its own, kernel memory
 * included: peak memory and time to all hooks attached. `baseline` runs the
 * same process probing only. Used by hack/bench verifier and by the kernel
 * matrix's guests (hack/vm/matrix-guest.ts). Kernels without memory.peak
 * (cgroup v2 before 5.19) are sampled every 2 ms while it runs.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createMemoryCgroup, inCgroupArgv } from '../test/support/memcg.js';
import { tempPinRoot } from '../test/support/bpffs.js';

const MB = 1024 * 1024;

export interface AgentStart {
  readonly ok: boolean;
  readonly peakMb: number;
  readonly ms?: number;
  readonly attached?: readonly string[];
  readonly degraded?: readonly string[];
  readonly error?: string;
}

export async function measureAgentStart(mode: 'load' | 'baseline', tag: string): Promise<AgentStart> {
  const cg = createMemoryCgroup(`ziriz-start-${process.pid}-${tag}`, 4096 * MB);
  const pins = tempPinRoot('ziriz-start-');
  try {
    const child = spawn('/bin/sh', inCgroupArgv(cg.procsFile, [process.execPath, ...process.execArgv, join(import.meta.dirname, 'apps/agent-load.js'), mode, pins.dir, `/tmp/ziriz-start-${process.pid}.json`]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setInterval(() => { cg.sample(); }, 2);
    const code = await new Promise<number>((r) => child.once('exit', (c) => { r(c ?? 1); }));
    clearInterval(timer);
    if (code !== 0) return { ok: false, error: err.slice(-500), peakMb: cg.peakBytes() / MB };
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number; attached?: string[]; degraded?: string[] };
    return { ok: true, peakMb: cg.peakBytes() / MB, ms: r.ms, ...(r.attached ? { attached: r.attached } : {}), ...(r.degraded ? { degraded: r.degraded } : {}) };
  } finally {
    pins.remove();
    cg.remove();
  }
}
