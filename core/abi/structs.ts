/**
 * Layouts of every struct in bpf/include/ziriz_abi.h (see layout.ts).
 * Sizes and offsets must equal the C ones; test/kernel/abi-btf.test.ts reads
 * the BTF of the built objects and compares member by member.
 */
import type { StructLayout } from './layout.js';

export const COMM_LEN = 16;
export const EGRESS_PORT_RULES = 8;
export const DATA_MAX = 4096;
export const PATH_MAX = 256;
/** ZIRIZ_PATH_PREFIXES: directory prefixes of a path the kernel looks up in deny lists. */
export const PATH_PREFIXES = 16;

export const ziriz_identity = {
  name: 'ziriz_identity',
  size: 16,
  fields: {
    identity_id: { offset: 0, type: 'u32' },
    policy_id: { offset: 4, type: 'u32' },
    cover_enforce: { offset: 8, type: 'u16' },
    cover_audit: { offset: 10, type: 'u16' },
    role: { offset: 12, type: 'u8' },
    action: { offset: 13, type: 'u8' },
    pad: { offset: 14, type: 'bytes', size: 2 },
  },
} as const satisfies StructLayout;

export const ziriz_ip_key = {
  name: 'ziriz_ip_key',
  size: 20,
  fields: {
    family: { offset: 0, type: 'u32' },
    addr: { offset: 4, type: 'bytes', size: 16 },
  },
} as const satisfies StructLayout;

export const UID_LEN = 36;

export const ziriz_pod_uid_key = {
  name: 'ziriz_pod_uid_key',
  size: 40,
  fields: {
    uid: { offset: 0, type: 'bytes', size: UID_LEN },
    pad: { offset: 36, type: 'bytes', size: 4 },
  },
} as const satisfies StructLayout;

export const ziriz_egress_key = {
  name: 'ziriz_egress_key',
  size: 28,
  fields: {
    prefixlen: { offset: 0, type: 'u32' },
    policy_id: { offset: 4, type: 'u32' },
    family: { offset: 8, type: 'u32' },
    addr: { offset: 12, type: 'bytes', size: 16 },
  },
} as const satisfies StructLayout;

export const ziriz_port_rule = {
  name: 'ziriz_port_rule',
  size: 8,
  fields: {
    port_lo: { offset: 0, type: 'u16' },
    port_hi: { offset: 2, type: 'u16' },
    proto: { offset: 4, type: 'u8' },
    verdict: { offset: 5, type: 'u8' },
    rule_id: { offset: 6, type: 'u16' },
  },
} as const satisfies StructLayout;

export const ziriz_egress_value = {
  name: 'ziriz_egress_value',
  size: 72,
  fields: {
    count: { offset: 0, type: 'u32' },
    pad: { offset: 4, type: 'u32' },
    rules: { offset: 8, type: 'struct', struct: 'ziriz_port_rule', size: 8, count: EGRESS_PORT_RULES },
  },
} as const satisfies StructLayout;

export const ziriz_call_key = {
  name: 'ziriz_call_key',
  size: 16,
  fields: {
    policy_id: { offset: 0, type: 'u32' },
    kind: { offset: 4, type: 'u16' },
    pad: { offset: 6, type: 'u16' },
    name_hash: { offset: 8, type: 'u64' },
  },
} as const satisfies StructLayout;

export const ziriz_call_value = {
  name: 'ziriz_call_value',
  size: 8,
  fields: {
    verdict: { offset: 0, type: 'u8' },
    action: { offset: 1, type: 'u8' },
    pad: { offset: 2, type: 'u16' },
    rule_id: { offset: 4, type: 'u32' },
  },
} as const satisfies StructLayout;

export const ziriz_event_hdr = {
  name: 'ziriz_event_hdr',
  size: 56,
  fields: {
    op: { offset: 0, type: 'u16' },
    flags: { offset: 2, type: 'u16' },
    size: { offset: 4, type: 'u32' },
    ktime_ns: { offset: 8, type: 'u64' },
    cgroup_id: { offset: 16, type: 'u64' },
    pid: { offset: 24, type: 'u32' },
    tid: { offset: 28, type: 'u32' },
    uid: { offset: 32, type: 'u32' },
    identity_id: { offset: 36, type: 'u32' },
    comm: { offset: 40, type: 'bytes', size: COMM_LEN },
  },
} as const satisfies StructLayout;

export const ziriz_egress_event = {
  name: 'ziriz_egress_event',
  size: 88,
  fields: {
    hdr: { offset: 0, type: 'struct', struct: 'ziriz_event_hdr', size: 56 },
    daddr: { offset: 56, type: 'bytes', size: 16 },
    family: { offset: 72, type: 'u32' },
    dport: { offset: 76, type: 'u16' },
    proto: { offset: 78, type: 'u8' },
    verdict: { offset: 79, type: 'u8' },
    hook: { offset: 80, type: 'u8' },
    pad: { offset: 81, type: 'u8' },
    rule_id: { offset: 82, type: 'u16' },
    ifindex: { offset: 84, type: 'u32' },
  },
} as const satisfies StructLayout;

export const ziriz_data_event = {
  name: 'ziriz_data_event',
  size: 56 + 64 + DATA_MAX,
  fields: {
    hdr: { offset: 0, type: 'struct', struct: 'ziriz_event_hdr', size: 56 },
    conn: { offset: 56, type: 'u64' },
    buf: { offset: 64, type: 'u64' },
    len: { offset: 72, type: 'u32' },
    captured: { offset: 76, type: 'u32' },
    source: { offset: 80, type: 'u8' },
    verdict: { offset: 81, type: 'u8' },
    kind: { offset: 82, type: 'u8' },
    held: { offset: 83, type: 'u8' },
    rule_id: { offset: 84, type: 'u32' },
    name_hash: { offset: 88, type: 'u64' },
    peer_addr: { offset: 96, type: 'bytes', size: 16 },
    peer_port: { offset: 112, type: 'u16' },
    peer_family: { offset: 114, type: 'u8' },
    why: { offset: 115, type: 'u8' },
    pad: { offset: 116, type: 'bytes', size: 4 },
    data: { offset: 120, type: 'bytes', size: DATA_MAX },
  },
} as const satisfies StructLayout;

export const ziriz_exec_event = {
  name: 'ziriz_exec_event',
  size: 56 + 16 + PATH_MAX,
  fields: {
    hdr: { offset: 0, type: 'struct', struct: 'ziriz_event_hdr', size: 56 },
    ppid: { offset: 56, type: 'u32' },
    exit_code: { offset: 60, type: 'u32' },
    held: { offset: 64, type: 'u8' },
    pad: { offset: 65, type: 'bytes', size: 7 },
    filename: { offset: 72, type: 'bytes', size: PATH_MAX },
  },
} as const satisfies StructLayout;

export const ziriz_lsm_event = {
  name: 'ziriz_lsm_event',
  size: 56 + 8 + PATH_MAX,
  fields: {
    hdr: { offset: 0, type: 'struct', struct: 'ziriz_event_hdr', size: 56 },
    hook: { offset: 56, type: 'u8' },
    verdict: { offset: 57, type: 'u8' },
    pad: { offset: 58, type: 'u16' },
    rule_id: { offset: 60, type: 'u32' },
    path: { offset: 64, type: 'bytes', size: PATH_MAX },
  },
} as const satisfies StructLayout;

export const ziriz_bench_event = {
  name: 'ziriz_bench_event',
  size: 64,
  fields: {
    hdr: { offset: 0, type: 'struct', struct: 'ziriz_event_hdr', size: 56 },
    seq: { offset: 56, type: 'u64' },
  },
} as const satisfies StructLayout;

export const ziriz_hold = {
  name: 'ziriz_hold',
  size: 48,
  fields: {
    ktime_ns: { offset: 0, type: 'u64' },
    conn: { offset: 8, type: 'u64' },
    buf: { offset: 16, type: 'u64' },
    len: { offset: 24, type: 'u32' },
    tid: { offset: 28, type: 'u32' },
    cgroup_id: { offset: 32, type: 'u64' },
    source: { offset: 40, type: 'u8' },
    pad: { offset: 41, type: 'bytes', size: 3 },
    count: { offset: 44, type: 'u32' },
  },
} as const satisfies StructLayout;

/** Every struct of the ABI header, for the BTF check. */
export const ABI_STRUCTS: readonly StructLayout[] = [
  ziriz_identity,
  ziriz_ip_key,
  ziriz_pod_uid_key,
  ziriz_egress_key,
  ziriz_port_rule,
  ziriz_egress_value,
  ziriz_call_key,
  ziriz_call_value,
  ziriz_hold,
  ziriz_event_hdr,
  ziriz_egress_event,
  ziriz_data_event,
  ziriz_exec_event,
  ziriz_lsm_event,
  ziriz_bench_event,
];
