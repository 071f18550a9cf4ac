/**
 * `ziriz-node-agent probe` against this machine: its JSON is compared with
 * what the kernel independently says (securityfs, the mount table, BTF, and
 * direct load attempts), and with the hooks the other kernel tests exercise
 * for real in the same run.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BpfObject } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { readMounts } from '../../node-agent/src/kernel/mounts.js';
import type { ProbeReport } from '../../node-agent/src/probe/report.js';
import { needRoot } from '../support/gate.js';

const CLI = fileURLToPath(new URL('../../node-agent/src/main.js', import.meta.url));

function loads(program: string): boolean {
  try {
    BpfObject.load(bpfObject('feature_probe'), { programs: [program] }).close();
    return true;
  } catch {
    return false;
  }
}

describe('kernel: feature probe matches this machine', function () {
  this.timeout(60_000);
  let report: ProbeReport & { hooks: { usable: string[]; degraded: string[] } };

  before(function () {
    needRoot(this);
    report = JSON.parse(execFileSync(process.execPath, [CLI, 'probe'], { encoding: 'utf8' })) as typeof report;
  });

  it('mounts bpffs, tracefs and securityfs and reports kernel facts as the kernel states them', () => {
    const mounts = readMounts();
    for (const [fstype, target] of [['bpf', '/sys/fs/bpf'], ['tracefs', '/sys/kernel/tracing'], ['securityfs', '/sys/kernel/security']]) {
      expect(mounts.some((m) => m.fstype === fstype && m.target === target), `${fstype} on ${target}`).to.equal(true);
    }
    expect(report.btf).to.equal(existsSync('/sys/kernel/btf/vmlinux'));
    expect(report.lsm.active).to.deep.equal(readFileSync('/sys/kernel/security/lsm', 'utf8').trim().split(','));
    expect(report.lockdown).to.equal(/\[([a-z]+)\]/.exec(readFileSync('/sys/kernel/security/lockdown', 'utf8'))?.[1] ?? null);
    const v2 = mounts.filter((m) => m.fstype === 'cgroup2').map((m) => m.target);
    expect(v2).to.include(report.cgroupV2Root);
    expect(report.cgroupHybrid).to.equal(mounts.some((m) => m.fstype === 'cgroup'));
  });

  it('agrees with direct load attempts for LSM and fentry, and only calls LSM usable with bpf active', () => {
    expect(report.features.lsm.load).to.equal(loads('probe_lsm'));
    expect(report.features.fentry.load).to.equal(loads('probe_fentry'));
    expect(report.lsm.usable).to.equal(report.lsm.bpfInActiveList && report.features.lsm.available);
    expect(report.hooks.degraded.includes('lsm-file-exec-socket')).to.equal(!report.lsm.usable);
  });

  it('reports the hooks the kernel tests use for real as available (uprobe, tracepoint, cgroup, TC, ring buffer, signals)', () => {
    for (const f of ['uprobe', 'tracepoint', 'raw_tracepoint', 'cgroup_sock_addr', 'cgroup_skb', 'tc', 'xdp', 'ringbuf', 'send_signal'] as const) {
      expect(report.features[f].available, f).to.equal(true);
    }
    expect(report.features.uprobe.attach).to.equal(true);
    expect(report.features.cgroup_sock_addr.attach).to.equal(true);
    expect(report.hooks.usable).to.include.members(['tls-uprobes', 'hold-and-neutralize', 'exec-hold', 'egress-cgroup', 'egress-tc']);
  });
});
