/**
 * Numbers shared with the BPF programs (enums of bpf/include/ziriz_abi.h).
 * Checked against the enums in the objects' BTF by test/kernel/abi-btf.test.ts.
 */
export const Op = {
  EGRESS: 1,
  TC: 2,
  TLS_DATA: 3,
  CALL_HOLD: 4,
  CALL_SEEN: 5,
  EXEC: 6,
  EXIT: 7,
  LSM: 8,
  BENCH: 9,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

export const Counter = {
  RINGBUF_FULL: 0,
  MAP_FULL: 1,
  READ_FAIL: 2,
  PARSE_FAIL: 3,
  EGRESS_DENIED: 4,
  EGRESS_AUDITED: 5,
  TC_DROPPED: 6,
  TC_AUDITED: 7,
  CALL_HELD: 8,
  CALL_ALLOWED: 9,
  PROBE_HITS: 10,
  SIGNAL_FAIL: 11,
  LSM_DENIED: 12,
  BENCH_SENT: 13,
  TRACED_KILLED: 14,
  HOLD_ESCAPE: 15,
  ESCAPE_STOPPED: 16,
  ESCAPE_DROPPED: 17,
  REPORT_LIMITED: 18,
  HOLD_TWICE: 19,
  _MAX: 20,
} as const;
export type Counter = (typeof Counter)[keyof typeof Counter];

export const Role = { NONE: 0, AGENT: 1, MCP_SERVER: 2 } as const;
export type Role = (typeof Role)[keyof typeof Role];

export const Cover = {
  EGRESS: 1 << 0,
  MCP: 1 << 1,
  A2A: 1 << 2,
  HTTP: 1 << 3,
  EXEC: 1 << 4,
  FILE: 1 << 5,
  IN_MCP: 1 << 6,
  IN_A2A: 1 << 7,
  IN_HTTP: 1 << 8,
  VISIBLE: 1 << 9,
} as const;
export type Cover = (typeof Cover)[keyof typeof Cover];

export const Action = { BLOCK: 1, KILL: 2 } as const;
export type Action = (typeof Action)[keyof typeof Action];

export const Verdict = { NONE: 0, ALLOW: 1, DENY: 2, AUDIT: 3, CHECK: 4 } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export const CallKind = {
  MCP_TOOL: 1, A2A_METHOD: 2, HTTP_ROUTE: 3, FILE_PREFIX: 4, EXEC_PATH: 5, EXEC_NAME: 6,
  IN_MCP_TOOL: 7, IN_A2A_METHOD: 8, IN_HTTP_ROUTE: 9,
} as const;
/** Inbound kinds are the outbound ones plus this (ZIRIZ_CALL_IN_* in the C enum). */
export const INBOUND_KIND_OFFSET = 6;
export type CallKind = (typeof CallKind)[keyof typeof CallKind];

/** Why the kernel held a write it did not recognise as a call (enum ziriz_hold_why). */
export const HoldWhy = { NONE: 0, UNKNOWN: 1, HEAD: 2, FRAMING: 3, BODY: 4, JSON: 5, CONN: 6, LINES: 7 } as const;
export type HoldWhy = (typeof HoldWhy)[keyof typeof HoldWhy];

export const EgressHook = {
  CONNECT4: 1,
  CONNECT6: 2,
  SENDMSG4: 3,
  SENDMSG6: 4,
  TC_EGRESS: 5,
  TC_INGRESS: 6,
} as const;
export type EgressHook = (typeof EgressHook)[keyof typeof EgressHook];

export const DataSource = {
  SSL_WRITE: 1,
  SSL_READ: 2,
  GNUTLS_SEND: 3,
  GNUTLS_RECV: 4,
  SYS_WRITE: 5,
  SYS_READ: 6,
  EXEC: 7,
  SYS_WRITEV: 8,
  GO_TLS_WRITE: 9,
  GO_TLS_READ: 10,
  UNSEEN_READ: 11,
} as const;
export type DataSource = (typeof DataSource)[keyof typeof DataSource];

/** ziriz_data_event.peer_family values besides AF_INET/AF_INET6. */
export const PeerFamily = { UNKNOWN: 0, STDIO_CHILD: 1 } as const;
export type PeerFamily = (typeof PeerFamily)[keyof typeof PeerFamily];

export const LsmHook = { FILE_OPEN: 1, BPRM_CHECK: 2, SOCKET_CONNECT: 3 } as const;
export type LsmHook = (typeof LsmHook)[keyof typeof LsmHook];

/** Enum name in C -> its TypeScript mirror, with the C prefix of its members. */
export const ABI_ENUMS = {
  ziriz_op: { prefix: 'ZIRIZ_OP_', values: Op },
  ziriz_counter: { prefix: 'ZIRIZ_CNT_', values: Counter },
  ziriz_role: { prefix: 'ZIRIZ_ROLE_', values: Role },
  ziriz_cover: { prefix: 'ZIRIZ_COVER_', values: Cover },
  ziriz_action: { prefix: 'ZIRIZ_ACTION_', values: Action },
  ziriz_verdict: { prefix: 'ZIRIZ_VERDICT_', values: Verdict },
  ziriz_call_kind: { prefix: 'ZIRIZ_CALL_', values: CallKind },
  ziriz_hold_why: { prefix: 'ZIRIZ_WHY_', values: HoldWhy },
  ziriz_egress_hook: { prefix: 'ZIRIZ_HOOK_', values: EgressHook },
  ziriz_data_source: { prefix: 'ZIRIZ_SRC_', values: DataSource },
  ziriz_lsm_hook: { prefix: 'ZIRIZ_LSM_', values: LsmHook },
  ziriz_peer_family: { prefix: 'ZIRIZ_PEER_', values: PeerFamily },
} as const;

/** ziriz_egress_event.rule_id of a connect refused because its process is not visible (ZIRIZ_RULE_NOT_VISIBLE). */
export const RULE_NOT_VISIBLE = 0xffff;

export const AF_INET = 2;
export const AF_INET6 = 10;
