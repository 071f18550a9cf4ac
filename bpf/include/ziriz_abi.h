/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ziriz kernel <-> userspace ABI.
 *
 * Everything that crosses between the BPF programs and the node agent is
 * declared here and only here: ring-buffer records, map keys and values,
 * op codes and counter indices. Fixed-width types, explicit padding, sizes
 * pinned by _Static_assert. The TypeScript side (node-agent/src/bpf/abi.ts)
 * is checked against the BTF of the built objects by test/kernel/abi.test.ts,
 * so a change here without the matching TypeScript change fails the tests.
 *
 * Enums (not #defines) are used for every number userspace must agree on,
 * so their values appear in BTF and are checked too.
 */
#ifndef ZIRIZ_ABI_H
#define ZIRIZ_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- record op codes (ziriz_event_hdr.op) ------------------------------ */
enum ziriz_op {
	ZIRIZ_OP_EGRESS = 1,     /* struct ziriz_egress_event: connect/sendmsg verdict */
	ZIRIZ_OP_TC = 2,         /* struct ziriz_egress_event: packet dropped/audited at TC */
	ZIRIZ_OP_TLS_DATA = 3,   /* struct ziriz_data_event: plaintext seen (capture) */
	ZIRIZ_OP_CALL_HOLD = 4,  /* struct ziriz_data_event: a call was held (SIGSTOP) */
	ZIRIZ_OP_CALL_SEEN = 5,  /* struct ziriz_data_event: a call judged in kernel (allow/deny) */
	ZIRIZ_OP_EXEC = 6,       /* struct ziriz_exec_event: exec in a tracked cgroup */
	ZIRIZ_OP_EXIT = 7,       /* struct ziriz_exec_event: process exit in a tracked cgroup */
	ZIRIZ_OP_LSM = 8,        /* struct ziriz_lsm_event: LSM verdict */
	ZIRIZ_OP_BENCH = 9,      /* struct ziriz_bench_event: benchmark generator */
};

/* ---- per-CPU error/drop counters (map ziriz_counters, index) ----------- */
enum ziriz_counter {
	ZIRIZ_CNT_RINGBUF_FULL = 0,   /* bpf_ringbuf_reserve failed: record lost */
	ZIRIZ_CNT_MAP_FULL = 1,       /* a map update failed */
	ZIRIZ_CNT_READ_FAIL = 2,      /* bpf_probe_read_user failed */
	ZIRIZ_CNT_PARSE_FAIL = 3,     /* kernel-side protocol sniff gave up */
	ZIRIZ_CNT_EGRESS_DENIED = 4,  /* connect/sendmsg refused */
	ZIRIZ_CNT_EGRESS_AUDITED = 5, /* would have been refused (audit) */
	ZIRIZ_CNT_TC_DROPPED = 6,     /* packets dropped at TC */
	ZIRIZ_CNT_TC_AUDITED = 7,     /* packets that would have been dropped */
	ZIRIZ_CNT_CALL_HELD = 8,      /* calls held for userspace */
	ZIRIZ_CNT_CALL_ALLOWED = 9,   /* calls allowed by name in kernel (fast path) */
	ZIRIZ_CNT_PROBE_HITS = 10,    /* TLS/syscall probe hits in tracked processes */
	ZIRIZ_CNT_SIGNAL_FAIL = 11,   /* bpf_send_signal failed */
	ZIRIZ_CNT_LSM_DENIED = 12,
	ZIRIZ_CNT_BENCH_SENT = 13,    /* benchmark records produced */
	ZIRIZ_CNT_TRACED_KILLED = 14, /* a traced process reached a hold: killed (its tracer could undo it) */
	ZIRIZ_CNT_HOLD_ESCAPE = 15,   /* someone else sent SIGCONT to a held process: killed */
	ZIRIZ_CNT_ESCAPE_STOPPED = 16, /* a process whose hold was undone reached a call probe: killed before its send */
	ZIRIZ_CNT_ESCAPE_DROPPED = 17, /* packets of a connection whose held write was undone: dropped at cgroup egress */
	ZIRIZ_CNT_REPORT_LIMITED = 18, /* a report-only record over its pod's budget: not written */
	ZIRIZ_CNT_HOLD_TWICE = 19,   /* a second probe on the instruction that already held this thread: not held again */
	ZIRIZ_CNT__MAX = 20,
};

/* ---- identity: map ziriz_identity, key = cgroup v2 id (__u64) ---------- */
enum ziriz_role {
	ZIRIZ_ROLE_NONE = 0,
	ZIRIZ_ROLE_AGENT = 1,
	ZIRIZ_ROLE_MCP_SERVER = 2,
};

/* Categories a policy set covers (default-deny inside a covered category). */
enum ziriz_cover {
	ZIRIZ_COVER_EGRESS = 1 << 0,
	ZIRIZ_COVER_MCP = 1 << 1,
	ZIRIZ_COVER_A2A = 1 << 2,
	ZIRIZ_COVER_HTTP = 1 << 3,
	ZIRIZ_COVER_EXEC = 1 << 4,
	ZIRIZ_COVER_FILE = 1 << 5,
	/* inbound rules (spec.inbound): calls received by the pod from callers ziriz does not protect */
	ZIRIZ_COVER_IN_MCP = 1 << 6,
	ZIRIZ_COVER_IN_A2A = 1 << 7,
	ZIRIZ_COVER_IN_HTTP = 1 << 8,
	/* refuse TCP connects of processes whose calls ziriz cannot see (map ziriz_blind); off with spec.visibility EgressOnly */
	ZIRIZ_COVER_VISIBLE = 1 << 9,
};

/* ziriz_egress_event.rule_id of a connect refused because its process is not visible (ZIRIZ_COVER_VISIBLE). */
#define ZIRIZ_RULE_NOT_VISIBLE 0xffff

enum ziriz_action {
	ZIRIZ_ACTION_BLOCK = 1,  /* refuse / neutralise the call */
	ZIRIZ_ACTION_KILL = 2,   /* kill the offending process */
};

struct ziriz_identity {
	__u32 identity_id;   /* agent-assigned number for the pod's ziriz.io/identity */
	__u32 policy_id;     /* agent-assigned number for the pod's compiled policy set */
	__u16 cover_enforce; /* ziriz_cover bits enforced (default-deny, blocking) */
	__u16 cover_audit;   /* ziriz_cover bits only audited (default-deny, reporting) */
	__u8 role;           /* enum ziriz_role */
	__u8 action;         /* enum ziriz_action for enforced denials */
	__u8 pad[2];
};
_Static_assert(sizeof(struct ziriz_identity) == 16, "ziriz_identity size");

/* ---- pod IPs: map ziriz_pod_ips, key -> struct ziriz_identity ---------- */
/* Lets packet-level programs (TC) and verdicts name the pod behind an address. */
struct ziriz_ip_key {
	__u32 family;       /* AF_INET (2) or AF_INET6 (10) */
	__u8 addr[16];      /* IPv4 in the first 4 bytes, rest zero */
};
_Static_assert(sizeof(struct ziriz_ip_key) == 20, "ziriz_ip_key size");

/* ---- pod UIDs: map ziriz_pod_uids, key -> struct ziriz_identity --------- */
/*
 * Filled by the agent as soon as a pod in scope is bound to the node, before
 * the kubelet creates its cgroup. At the first exec in a cgroup with no
 * identity, the exec program finds the pod UID in the cgroup path
 * (cgroupfs "pod<uid>" or systemd "...-pod<uid_with_underscores>.slice") and
 * writes ziriz_identity[pod cgroup id] itself: no window before the agent
 * catches up.
 */
#define ZIRIZ_UID_LEN 36

struct ziriz_pod_uid_key {
	char uid[ZIRIZ_UID_LEN]; /* canonical form with '-' */
	__u8 pad[4];
};
_Static_assert(sizeof(struct ziriz_pod_uid_key) == 40, "ziriz_pod_uid_key size");

/* ---- verdicts ---------------------------------------------------------- */
enum ziriz_verdict {
	ZIRIZ_VERDICT_NONE = 0,   /* no rule matched: category default applies */
	ZIRIZ_VERDICT_ALLOW = 1,
	ZIRIZ_VERDICT_DENY = 2,   /* enforced deny */
	ZIRIZ_VERDICT_AUDIT = 3,  /* deny that is only reported (Audit policy) */
	ZIRIZ_VERDICT_CHECK = 4,  /* hold the call; userspace judges arguments */
};

/* ---- egress: map ziriz_egress (LPM trie) ------------------------------- */
/*
 * Key: policy set, address family, address. The compiler inserts one entry
 * per distinct prefix; its value holds the port rules of every policy rule
 * whose prefix contains it, so the longest-prefix match sees all rules that
 * apply to the address and "deny beats allow" holds across prefixes.
 */
#define ZIRIZ_EGRESS_PORT_RULES 8

struct ziriz_egress_key {
	__u32 prefixlen;    /* LPM: counts bits after this field (64 + address bits) */
	__u32 policy_id;
	__u32 family;       /* AF_INET (2) or AF_INET6 (10) */
	__u8 addr[16];      /* IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct ziriz_egress_key) == 28, "ziriz_egress_key size");

struct ziriz_port_rule {
	__u16 port_lo;      /* host byte order, inclusive; 0..65535 = any */
	__u16 port_hi;
	__u8 proto;         /* 0 any, 6 tcp, 17 udp */
	__u8 verdict;       /* enum ziriz_verdict: ALLOW, DENY or AUDIT */
	__u16 rule_id;      /* index of the rule in the compiled policy set */
};
_Static_assert(sizeof(struct ziriz_port_rule) == 8, "ziriz_port_rule size");

struct ziriz_egress_value {
	__u32 count;
	__u32 pad;
	struct ziriz_port_rule rules[ZIRIZ_EGRESS_PORT_RULES];
};
_Static_assert(sizeof(struct ziriz_egress_value) == 72, "ziriz_egress_value size");

/* ---- calls (MCP tools, A2A methods, HTTP routes): map ziriz_calls ------ */
/*
 * Why a write on a covered connection was held although the kernel did not
 * recognise a call in it (certainty or hold: only what the kernel is certain
 * of passes without userspace; everything else is judged there).
 */
enum ziriz_hold_why {
	ZIRIZ_WHY_NONE = 0,      /* a call the kernel recognised (CHECK or DENY) */
	ZIRIZ_WHY_UNKNOWN = 1,   /* neither the start of a message nor the continuation of a judged one */
	ZIRIZ_WHY_HEAD = 2,      /* request head incomplete, beyond the capture, or in an unusual form */
	ZIRIZ_WHY_FRAMING = 3,   /* transfer/content encoding, charset, Content-Length, upgrade, pipelining */
	ZIRIZ_WHY_BODY = 4,      /* a body split over writes or longer than the capture */
	ZIRIZ_WHY_JSON = 5,      /* escapes, case-variant or repeated keys, a batch, control bytes */
	ZIRIZ_WHY_CONN = 6,      /* the agent holds the connection (a message in progress) */
	ZIRIZ_WHY_LINES = 7,     /* a line stream write that is not one whole JSON value: read line by line */
};

enum ziriz_call_kind {
	ZIRIZ_CALL_MCP_TOOL = 1,   /* name = MCP tool name */
	ZIRIZ_CALL_A2A_METHOD = 2, /* name = JSON-RPC method */
	ZIRIZ_CALL_HTTP_ROUTE = 3, /* name = "METHOD /path" (no query) */
	ZIRIZ_CALL_FILE_PREFIX = 4, /* name = absolute path: denies itself and everything beneath */
	ZIRIZ_CALL_EXEC_PATH = 5,   /* name = absolute executable path (or directory prefix) */
	ZIRIZ_CALL_EXEC_NAME = 6,   /* name = executable base name */
	/* inbound: the same names, judged by the receiving pod's spec.inbound (kind = outbound kind + 6) */
	ZIRIZ_CALL_IN_MCP_TOOL = 7,
	ZIRIZ_CALL_IN_A2A_METHOD = 8,
	ZIRIZ_CALL_IN_HTTP_ROUTE = 9,
};

/* name_hash 0 is the category default for names with no entry of their own. */
struct ziriz_call_key {
	__u32 policy_id;
	__u16 kind;         /* enum ziriz_call_kind */
	__u16 pad;
	__u64 name_hash;    /* FNV-1a 64 of the name bytes (ziriz_fnv1a64) */
};
_Static_assert(sizeof(struct ziriz_call_key) == 16, "ziriz_call_key size");

struct ziriz_call_value {
	__u8 verdict;       /* enum ziriz_verdict */
	__u8 action;        /* enum ziriz_action */
	__u16 pad;
	__u32 rule_id;
};
_Static_assert(sizeof(struct ziriz_call_value) == 8, "ziriz_call_value size");

/* ---- holds in progress: map ziriz_holds, key = tgid (__u32) ------------- */
/*
 * Written by a probe when it stops a process, deleted by the agent when it
 * resumes (or kills) it. A restarted agent finds the processes it must still
 * judge here: their data is still in their (stopped) memory at `buf`.
 */
struct ziriz_hold {
	__u64 ktime_ns;      /* = the CALL_HOLD record's hdr.ktime_ns: (tgid, ktime_ns) names the hold */
	__u64 conn;
	__u64 buf;
	__u32 len;
	__u32 tid;
	__u64 cgroup_id;
	__u8 source;        /* enum ziriz_data_source */
	__u8 pad[3];
	__u32 count;        /* holds of this process not judged yet (threads held together); 1 for one */
};
_Static_assert(sizeof(struct ziriz_hold) == 48, "ziriz_hold size");

/* ---- ring-buffer records ----------------------------------------------- */
#define ZIRIZ_COMM_LEN 16

struct ziriz_event_hdr {
	__u16 op;           /* enum ziriz_op */
	__u16 flags;
	__u32 size;         /* bytes of the whole record, header included */
	__u64 ktime_ns;     /* bpf_ktime_get_ns() */
	__u64 cgroup_id;    /* cgroup v2 id of the task */
	__u32 pid;          /* tgid */
	__u32 tid;
	__u32 uid;
	__u32 identity_id;  /* from ziriz_identity, 0 if untracked */
	char comm[ZIRIZ_COMM_LEN];
};
_Static_assert(sizeof(struct ziriz_event_hdr) == 56, "ziriz_event_hdr size");

enum ziriz_egress_hook {
	ZIRIZ_HOOK_CONNECT4 = 1,
	ZIRIZ_HOOK_CONNECT6 = 2,
	ZIRIZ_HOOK_SENDMSG4 = 3,
	ZIRIZ_HOOK_SENDMSG6 = 4,
	ZIRIZ_HOOK_TC_EGRESS = 5,
	ZIRIZ_HOOK_TC_INGRESS = 6,
};

struct ziriz_egress_event {
	struct ziriz_event_hdr hdr;
	__u8 daddr[16];
	__u32 family;
	__u16 dport;        /* host byte order */
	__u8 proto;
	__u8 verdict;       /* enum ziriz_verdict */
	__u8 hook;          /* enum ziriz_egress_hook */
	__u8 pad;
	__u16 rule_id;
	__u32 ifindex;      /* TC: interface; cgroup hooks: 0 */
};
_Static_assert(sizeof(struct ziriz_egress_event) == 88, "ziriz_egress_event size");

enum ziriz_data_source {
	ZIRIZ_SRC_SSL_WRITE = 1,
	ZIRIZ_SRC_SSL_READ = 2,
	ZIRIZ_SRC_GNUTLS_SEND = 3,
	ZIRIZ_SRC_GNUTLS_RECV = 4,
	ZIRIZ_SRC_SYS_WRITE = 5,
	ZIRIZ_SRC_SYS_READ = 6,
	ZIRIZ_SRC_EXEC = 7,         /* a hold at exec (struct ziriz_hold only) */
	ZIRIZ_SRC_SYS_WRITEV = 8,   /* a whole writev held: buf is the iovec array, len the iovec count */
	ZIRIZ_SRC_GO_TLS_WRITE = 9, /* Go crypto/tls.(*Conn).Write */
	ZIRIZ_SRC_GO_TLS_READ = 10, /* Go crypto/tls.(*Conn).Read, at its return instructions */
	ZIRIZ_SRC_UNSEEN_READ = 11, /* read(2)/recvfrom(2) of a line stream written unseen (tp_unseen_streams): judged by the writer's pod's rules */
};

/*
 * ziriz_data_event.peer_family besides AF_INET (2) and AF_INET6 (10): the
 * write went to the stdin of a process of the pod (a pipe or Unix socket that
 * process had as fd 0 when it executed: a stdio server); peer_addr[0..3] is
 * its tgid (little endian).
 */
enum ziriz_peer_family {
	ZIRIZ_PEER_UNKNOWN = 0,
	ZIRIZ_PEER_STDIO_CHILD = 1,
};

#define ZIRIZ_DATA_MAX 4096

struct ziriz_data_event {
	struct ziriz_event_hdr hdr;
	__u64 conn;         /* SSL* / gnutls session / (pid<<32|fd): groups a stream */
	__u64 buf;          /* user address of the plaintext (for neutralisation) */
	__u32 len;          /* full plaintext length of this call */
	__u32 captured;     /* bytes in data[] (<= ZIRIZ_DATA_MAX) */
	__u8 source;        /* enum ziriz_data_source */
	__u8 verdict;       /* enum ziriz_verdict the kernel reached */
	__u8 kind;          /* enum ziriz_call_kind, 0 if none recognised */
	__u8 held;          /* 1 if the thread was stopped (SIGSTOP) */
	__u32 rule_id;
	__u64 name_hash;
	/* Received calls (SSL_read): the sending end of the connection, when known; sent calls: the stdio child reading them. */
	__u8 peer_addr[16]; /* IPv4 in the first 4 bytes */
	__u16 peer_port;
	__u8 peer_family;   /* AF_INET, AF_INET6, enum ziriz_peer_family */
	__u8 why;           /* enum ziriz_hold_why: why the kernel was not certain (0: a call it recognised) */
	__u8 pad[4];
	__u8 data[ZIRIZ_DATA_MAX]; /* variable length: last, `captured` bytes valid */
};
_Static_assert(sizeof(struct ziriz_data_event) == 56 + 64 + ZIRIZ_DATA_MAX, "ziriz_data_event size");

#define ZIRIZ_PATH_MAX 256
/* Directory prefixes of a path looked up in deny lists (a power of two; core/abi PATH_PREFIXES). */
#define ZIRIZ_PATH_PREFIXES 16

struct ziriz_exec_event {
	struct ziriz_event_hdr hdr;
	__u32 ppid;
	__u32 exit_code;    /* OP_EXIT only */
	__u8 held;          /* 1 if stopped at exec until probes are attached */
	__u8 pad[7];
	char filename[ZIRIZ_PATH_MAX];
};
_Static_assert(sizeof(struct ziriz_exec_event) == 56 + 16 + ZIRIZ_PATH_MAX, "ziriz_exec_event size");

enum ziriz_lsm_hook {
	ZIRIZ_LSM_FILE_OPEN = 1,
	ZIRIZ_LSM_BPRM_CHECK = 2,
	ZIRIZ_LSM_SOCKET_CONNECT = 3,
};

struct ziriz_lsm_event {
	struct ziriz_event_hdr hdr;
	__u8 hook;          /* enum ziriz_lsm_hook */
	__u8 verdict;
	__u16 pad;
	__u32 rule_id;
	char path[ZIRIZ_PATH_MAX];
};
_Static_assert(sizeof(struct ziriz_lsm_event) == 56 + 8 + ZIRIZ_PATH_MAX, "ziriz_lsm_event size");

struct ziriz_bench_event {
	struct ziriz_event_hdr hdr;
	__u64 seq;
};
_Static_assert(sizeof(struct ziriz_bench_event) == 64, "ziriz_bench_event size");

#endif /* ZIRIZ_ABI_H */
