/**
 * Feature probe: loads one trivial program per type from feature_probe.bpf.o
 * (each alone) and attaches those that can be attached without side effects
 * (a uprobe on this process, a tracepoint, a cgroup hook on a scratch cgroup).
 * Mounts bpffs/tracefs/securityfs when missing.
 */
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { release, machine } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import { BpfError } from '../bpf/errors.js';
import type { Link } from '../bpf/link.js';
import { binding } from '../bpf/native.js';
import { BpfObject } from '../bpf/object.js';
import { bpfObject } from '../bpf/paths.js';
import { cgroupV2Root } from '../kernel/cgroup.js';
import { ensureKernelMounts, readMounts } from '../kernel/mounts.js';
import { activeLsms, lockdownMode } from '../kernel/security.js';
import { FEATURES, type Feature, type FeatureResult, type ProbeReport } from './report.js';

const PROGRAM_OF: Readonly<Record<Feature, string>> = {
  uprobe: 'probe_uprobe',
  tracepoint: 'probe_tracepoint',
  raw_tracepoint: 'probe_raw_tp',
  tp_btf: 'probe_tp_btf',
  cgroup_sock_addr: 'probe_cgroup_sock_addr',
  cgroup_skb: 'probe_cgroup_skb',
  tc: 'probe_tc',
  xdp: 'probe_xdp',
  ringbuf: 'probe_ringbuf',
  send_signal: 'probe_send_signal',
  probe_write_user: 'probe_write_user',
  fentry: 'probe_fentry',
  lsm: 'probe_lsm',
};

function describe(e: unknown): string {
  if (e instanceof BpfError) {
    // The verifier's own words (e.g. "unknown func bpf_probe_write_user#36"), not libbpf's boilerplate.
    const lines = e.libbpfLog.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('--'));
    const verifier = lines.filter((l) => !l.startsWith('libbpf:'));
    const tail = (verifier.length > 0 ? verifier : lines).slice(-2).join(' | ');
    return tail ? `${e.message} — ${tail}` : e.message;
  }
  return errorMessage(e);
}

/** Attach where it has no effect on anyone else; returns the link to destroy. */
function tryAttach(feature: Feature, obj: BpfObject, scratchCgroup: string | null): Link | null {
  const prog = PROGRAM_OF[feature];
  switch (feature) {
    case 'uprobe':
      // A pid-filtered probe on this very process: plants no breakpoint anywhere else.
      return obj.attachUprobe({ program: prog, binary: process.execPath, symbol: 'uv_version', pid: process.pid });
    case 'tracepoint':
      return obj.attachTracepoint(prog, 'syscalls', 'sys_enter_getppid');
    case 'raw_tracepoint':
      return obj.attachRawTracepoint(prog, 'sys_enter');
    case 'tp_btf':
    case 'fentry':
    case 'lsm':
      return obj.attach(prog);
    case 'cgroup_sock_addr':
    case 'cgroup_skb':
      return scratchCgroup ? obj.attachCgroup(prog, scratchCgroup) : null;
    default:
      return null;
  }
}

function probeOne(feature: Feature, scratchCgroup: string | null): FeatureResult {
  let obj: BpfObject | undefined;
  try {
    obj = BpfObject.open(bpfObject('feature_probe'), { programs: [PROGRAM_OF[feature]] });
    obj.load();
  } catch (e: unknown) {
    obj?.close();
    return { available: false, load: false, error: describe(e) };
  }
  try {
    const link = tryAttach(feature, obj, scratchCgroup);
    if (!link) return { available: true, load: true };
    link.destroy();
    return { available: true, load: true, attach: true };
  } catch (e: unknown) {
    return { available: false, load: true, attach: false, error: describe(e) };
  } finally {
    obj.close();
  }
}

function withScratchCgroup<T>(root: string | null, fn: (dir: string | null) => T): T {
  if (!root) return fn(null);
  const dir = join(root, `ziriz-probe-${process.pid}`);
  try {
    mkdirSync(dir);
  } catch {
    return fn(null);
  }
  try {
    return fn(dir);
  } finally {
    rmdirSync(dir);
  }
}

export function runProbe(): ProbeReport {
  const mountedNow = ensureKernelMounts();
  const mounts = readMounts();
  let root: string | null;
  try {
    root = cgroupV2Root(mounts);
  } catch {
    root = null;
  }
  const features = withScratchCgroup(root, (scratch) => {
    const out = {} as Record<Feature, FeatureResult>;
    for (const f of FEATURES) out[f] = probeOne(f, scratch);
    return out;
  });
  const active = activeLsms();
  const bpfInActiveList = active?.includes('bpf') ?? false;
  return {
    kernel: { release: release(), machine: machine() },
    libbpf: binding().libbpfVersion(),
    btf: existsSync('/sys/kernel/btf/vmlinux'),
    mountedNow,
    cgroupV2Root: root,
    cgroupHybrid: root !== null && root !== '/sys/fs/cgroup' && mounts.some((m) => m.fstype === 'cgroup'),
    lockdown: lockdownMode(),
    lsm: {
      active,
      bpfInActiveList,
      programLoads: features.lsm.load,
      usable: bpfInActiveList && features.lsm.available,
    },
    features,
  };
}
