/**
 * Benchmark (issue 6): the cost of egress enforcement on connect(). One run,
 * same machine, alternating rounds of a C loop calling connect() to a closed
 * loopback port (ECONNREFUSED: no handshake, so the syscall path dominates):
 *   none         no ziriz program attached
 *   unprotected  programs attached; the caller's cgroup is not a pod's
 *   protected    the caller's cgroup is a protected pod whose policy allows
 *                the destination (identity + LPM lookup + port rules: the
 *                full decision on every call)
 * Reported: calls/s per configuration (median of the rounds) and the ratios
 * protected/unprotected and protected/none. Run as root: hack/bench connect-rate.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cover, Verdict } from '../core/abi/enums.js';
import { BpfObject } from '../node-agent/src/bpf/object.js';
import type { Link } from '../node-agent/src/bpf/link.js';
import { bpfObject } from '../node-agent/src/bpf/paths.js';
import { cgroupId, cgroupV2Root } from '../node-agent/src/kernel/cgroup.js';
import { ensureKernelMounts } from '../node-agent/src/kernel/mounts.js';
import { cgroupKey, egressKey, egressValue, identityValue } from '../test/kernel/egress-fixtures.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PORT = 9; // discard: nothing listens on loopback

function build(): string {
  const src = fileURLToPath(new URL('../../bench/c/connect-loop.c', import.meta.url));
  const out = join(mkdtempSync('/tmp/ziriz-bench-'), 'connect-loop');
  execFileSync('cc', ['-O2', '-o', out, src]);
  return out;
}

function loop(bin: string, cgroup: string): { calls: number; eperm: number } {
  const [calls, eperm] = execFileSync(bin, [join(cgroup, 'cgroup.procs'), String(PORT), String(SECONDS)], { encoding: 'utf8' }).trim().split(' ').map(Number);
  return { calls: calls ?? 0, eperm: eperm ?? 0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function main(): void {
  ensureKernelMounts();
  const bin = build();
  const root = cgroupV2Root();
  const pinRoot = mkdtempSync('/sys/fs/bpf/ziriz-bench-');
  const prot = join(root, `ziriz-bench-protected-${process.pid}`);
  const unprot = join(root, `ziriz-bench-unprotected-${process.pid}`);
  mkdirSync(prot);
  mkdirSync(unprot);
  const objs = ['cgroup_connect4', 'cgroup_connect6', 'cgroup_sendmsg4', 'cgroup_sendmsg6'].map((o) => BpfObject.load(bpfObject(o), { pinRoot }));
  let links: Link[] = [];
  const attach = (): void => {
    links = objs.map((o, i) => o.attachCgroup(['ziriz_connect4', 'ziriz_connect6', 'ziriz_sendmsg4', 'ziriz_sendmsg6'][i] ?? '', root));
  };
  const detach = (): void => {
    for (const l of links) l.destroy();
    links = [];
  };
  const first = objs[0];
  if (!first) throw new Error('no objects');
  try {
    first.map('ziriz_identity').set(cgroupKey(cgroupId(prot)), identityValue(1, 1, Cover.EGRESS));
    first.map('ziriz_egress').set(egressKey(1, '127.0.0.1'), egressValue([{ lo: PORT, hi: PORT, proto: 6, verdict: Verdict.ALLOW, ruleId: 1 }]));
    const rates: Record<string, number[]> = { none: [], unprotected: [], protected: [] };
    for (let r = 0; r < ROUNDS; r++) {
      rates.none?.push(loop(bin, unprot).calls / SECONDS);
      attach();
      rates.unprotected?.push(loop(bin, unprot).calls / SECONDS);
      const p = loop(bin, prot);
      if (p.eperm > 0) throw new Error('the protected loop was refused: the policy should allow it');
      rates.protected?.push(p.calls / SECONDS);
      detach();
    }
    const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)])) as Record<'none' | 'unprotected' | 'protected', number>;
    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
    process.stdout.write(`connect() to a closed loopback port, ${ROUNDS} rounds x ${SECONDS}s, median calls/s\n`);
    process.stdout.write(`  none        ${fmt(m.none)}\n  unprotected ${fmt(m.unprotected)}\n  protected   ${fmt(m.protected)}\n`);
    process.stdout.write(`ratio protected/unprotected: ${(m.protected / m.unprotected).toFixed(3)}   protected/none: ${(m.protected / m.none).toFixed(3)}   unprotected/none: ${(m.unprotected / m.none).toFixed(3)}\n`);
    process.stdout.write(`${JSON.stringify({ rounds: rates, median: m })}\n`);
  } finally {
    detach();
    for (const o of objs) o.close();
    rmSync(pinRoot, { recursive: true, force: true });
    rmdirSync(prot);
    rmdirSync(unprot);
  }
}

main();
