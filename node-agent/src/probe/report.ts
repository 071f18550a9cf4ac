/** The feature probe's report: what this kernel offers ziriz, as JSON. */

export interface FeatureResult {
  /** The program (or map) loaded, and attached where the probe tries attaching. */
  readonly available: boolean;
  readonly load: boolean;
  readonly attach?: boolean;
  readonly error?: string;
}

export const FEATURES = [
  'uprobe',
  'tracepoint',
  'raw_tracepoint',
  'tp_btf',
  'cgroup_sock_addr',
  'cgroup_skb',
  'tc',
  'xdp',
  'ringbuf',
  'send_signal',
  'probe_write_user',
  'fentry',
  'lsm',
] as const;
export type Feature = (typeof FEATURES)[number];

export interface LsmReport {
  /** Active LSMs from securityfs (null: unreadable). */
  readonly active: string[] | null;
  readonly bpfInActiveList: boolean;
  readonly programLoads: boolean;
  /** LSM enforcement works only when both hold: a loaded program with `bpf` absent enforces nothing. */
  readonly usable: boolean;
}

export interface ProbeReport {
  readonly kernel: { readonly release: string; readonly machine: string };
  readonly libbpf: string;
  readonly btf: boolean;
  readonly mountedNow: string[];
  readonly cgroupV2Root: string | null;
  readonly cgroupHybrid: boolean;
  readonly lockdown: string | null;
  readonly lsm: LsmReport;
  readonly features: Readonly<Record<Feature, FeatureResult>>;
}

/** Which hooks of the design this kernel supports; the agent reports the rest as degraded. */
export function usableHooks(r: ProbeReport): { usable: string[]; degraded: string[] } {
  const f = r.features;
  const hooks: Record<string, boolean> = {
    'tls-uprobes': f.uprobe.available && f.ringbuf.available,
    'hold-and-neutralize': f.uprobe.available && f.send_signal.available,
    'exec-hold': f.tracepoint.available && f.send_signal.available,
    'egress-cgroup': f.cgroup_sock_addr.available,
    'egress-tc': f.tc.available,
    'lsm-file-exec-socket': r.lsm.usable,
  };
  const usable = Object.keys(hooks).filter((k) => hooks[k]);
  const degraded = Object.keys(hooks).filter((k) => !hooks[k]);
  return { usable, degraded };
}
