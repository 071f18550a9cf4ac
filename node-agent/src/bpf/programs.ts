/**
 * The node agent's programs, as data: which object, which program, how it is
 * attached, which hook of the design it provides and which kernel feature it
 * needs (from the feature probe). Lifecycle in agent/kernel.ts.
 */
import type { Feature } from '../probe/report.js';
import type { HookName } from '../report/types.js';

export type AttachKind =
  /** a cgroup program on the cgroup v2 root, filtered by cgroup id; link pinned */
  | 'cgroup-root'
  /** a BTF tracepoint (attach target in the section); link pinned */
  | 'tp_btf'
  /** a classic tracepoint (category/name in the section); link pinned */
  | 'tracepoint'
  /** a TC classifier on each protected pod's host veth (ingress = the pod's egress) */
  | 'tc-pod'
  /** uprobes attached per process of a protected pod (pid filter), by calls/probes.ts */
  | 'uprobe-process'
  /** a BPF LSM program (needs `bpf` in the active LSM list and working trampolines) */
  | 'lsm';

export interface ProgramSpec {
  readonly object: string;
  readonly program: string;
  /** More programs of the same object attached with it (node-wide kinds): the hook needs all of them. */
  readonly with?: readonly string[];
  /** Programs of the object attached to one more tracepoint each besides their section's ([program, category, name]): one program, loaded once, on several system calls. */
  readonly alsoAt?: readonly (readonly [program: string, category: string, name: string])[];
  readonly attach: AttachKind;
  readonly hook: HookName;
  readonly feature: Feature;
  /** What is not enforced while this program is not loaded (named in conditions and Events). */
  readonly enforces: string;
}

export const NODE_PROGRAMS: readonly ProgramSpec[] = [
  { object: 'cgroup_connect4', program: 'ziriz_connect4', attach: 'cgroup-root', hook: 'egress-cgroup', feature: 'cgroup_sock_addr', enforces: 'egress of IPv4 connect()' },
  { object: 'cgroup_connect6', program: 'ziriz_connect6', attach: 'cgroup-root', hook: 'egress-cgroup', feature: 'cgroup_sock_addr', enforces: 'egress of IPv6 connect()' },
  { object: 'cgroup_sendmsg4', program: 'ziriz_sendmsg4', attach: 'cgroup-root', hook: 'egress-cgroup', feature: 'cgroup_sock_addr', enforces: 'egress of IPv4 sendmsg() (UDP)' },
  { object: 'cgroup_sendmsg6', program: 'ziriz_sendmsg6', attach: 'cgroup-root', hook: 'egress-cgroup', feature: 'cgroup_sock_addr', enforces: 'egress of IPv6 sendmsg() (UDP)' },
  { object: 'tp_sched_exec', program: 'ziriz_sched_exec', attach: 'tp_btf', hook: 'exec-hold', feature: 'tp_btf', enforces: 'new processes held until their probes are attached; pods keyed at their first exec' },
  { object: 'tp_fork_hold', program: 'ziriz_fork_hold', attach: 'tp_btf', hook: 'fork-hold', feature: 'tp_btf', enforces: 'children forked without exec held until their probes are attached (bpf_send_signal_task, 6.13+)' },
  // after tp_sched_exec: a new pod's cgroup is keyed before its deny list is checked
  { object: 'tp_exec_deny', program: 'ziriz_exec_deny', attach: 'tp_btf', hook: 'exec-kill', feature: 'tp_btf', enforces: 'process.deny where LSM is unavailable (kill at exec)' },
  { object: 'tc_pod_egress', program: 'ziriz_tc_pod_egress', attach: 'tc-pod', hook: 'egress-tc', feature: 'tc', enforces: 'egress dropped at the pod veth' },
  { object: 'lsm_file_open', program: 'ziriz_file_open', attach: 'lsm', hook: 'lsm-file-exec-socket', feature: 'lsm', enforces: 'files.deny' },
  { object: 'lsm_bprm_check', program: 'ziriz_bprm_check', attach: 'lsm', hook: 'lsm-file-exec-socket', feature: 'lsm', enforces: 'process.deny refused at exec' },
  { object: 'lsm_socket_connect', program: 'ziriz_socket_connect', attach: 'lsm', hook: 'lsm-file-exec-socket', feature: 'lsm', enforces: 'connect() refused by LSM' },
  { object: 'uprobe_ssl_write', program: 'ziriz_ssl_write', attach: 'uprobe-process', hook: 'tls-uprobes', feature: 'send_signal', enforces: 'MCP/A2A/HTTP calls sent over OpenSSL/BoringSSL TLS' },
  { object: 'uprobe_gnutls_send', program: 'ziriz_gnutls_send', attach: 'uprobe-process', hook: 'tls-uprobes', feature: 'send_signal', enforces: 'MCP/A2A/HTTP calls sent over GnuTLS' },
  { object: 'uprobe_libc_send', program: 'ziriz_libc_write', attach: 'uprobe-process', hook: 'tls-uprobes', feature: 'send_signal', enforces: 'plaintext MCP/A2A/HTTP calls (libc write/send)' },
  { object: 'tp_hold_guard', program: 'ziriz_hold_guard', attach: 'tp_btf', hook: 'tls-uprobes', feature: 'tp_btf', enforces: 'holds that cannot be undone from inside the pod (a SIGCONT to a held process kills it)' },
  { object: 'cgroup_skb_escape', program: 'ziriz_escape_drop', attach: 'cgroup-root', hook: 'tls-uprobes', feature: 'cgroup_skb', enforces: 'a plaintext call resumed by another process is dropped before it leaves the pod' },
  { object: 'tp_blind_flows', program: 'ziriz_blind_flow', attach: 'tracepoint', hook: 'tls-uprobes', feature: 'tracepoint', enforces: "inbound rules for calls from a protected pod's processes ziriz cannot see (their connections are judged as an unprotected caller's)" },
  { object: 'tp_unseen_streams', program: 'ziriz_unseen_read_exit', with: ['ziriz_unseen_read_enter', 'ziriz_unseen_write', 'ziriz_unseen_writev', 'ziriz_unseen_sendto', 'ziriz_unseen_sendmsg', 'ziriz_unseen_splice', 'ziriz_unseen_vmsplice', 'ziriz_unseen_tee', 'ziriz_unseen_sendfile'], alsoAt: [['ziriz_unseen_read_enter', 'syscalls', 'sys_enter_recvfrom'], ['ziriz_unseen_read_exit', 'syscalls', 'sys_exit_recvfrom']], attach: 'tracepoint', hook: 'tls-uprobes', feature: 'tracepoint', enforces: "calls written into a pod's pipes and Unix sockets where no probe sees (programs ziriz cannot see; splice, vmsplice, tee, sendfile), judged as they are read" },
  { object: 'uprobe_ssl_read', program: 'ziriz_recv_ssl_read_ret', attach: 'uprobe-process', hook: 'tls-uprobes', feature: 'send_signal', enforces: 'inbound rules (calls a server receives)' },
];

/** TC filter slot of ziriz on a veth: distinctive, so other tools' filters are left alone. */
export const TC_PRIORITY = 2;
export const TC_HANDLE = 0x7a12;
