/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Holds undone by someone else (a SIGCONT from a sibling in the pod): what
 * the escaped process can still get out, stopped in the kernel without
 * waiting for its kill. The guard (tp_hold_guard) marks the process in
 * ziriz_escaped_procs while the sender still holds the signal lock, before
 * the woken threads run. Then
 *  - every call probe (SSL_write, gnutls, libc write/send/writev) hit by the
 *    escaped process kills it at once (zescaped_self): a TLS call resumed
 *    from its SSL_write hold dies at its ciphertext write, before the syscall;
 *  - a plaintext write resumed from its hold goes straight to the syscall:
 *    its connection was recorded at the hold (ziriz_held_flows), and
 *    cgroup_skb/egress (cgroup_skb_escape.bpf.c) drops every packet of it
 *    while its process is marked, retransmissions included.
 */
#ifndef ZIRIZ_ESCAPE_H
#define ZIRIZ_ESCAPE_H

#include "common.h"

/* Packets of an escaped connection are dropped this long after the last escape on the node (an orphaned socket gives up well before). */
#define ZIRIZ_ESCAPE_TTL_NS (1800ULL * 1000000000ULL)

/* A TCP connection as both its struct sock and a cgroup_skb program see it. */
struct zflow {
	__u32 saddr[4];     /* network order; IPv4 in [0] */
	__u32 daddr[4];
	__u32 sport;        /* host order */
	__u32 dport;        /* network order, low 16 bits */
	__u32 family;
};

/* The process a connection was held in: tgid and its leader's start time (a reused tgid is another process). */
struct zflow_owner {
	__u32 tgid;
	__u32 pad;
	__u64 start_time;
};

/* tgid -> start time of the process whose hold was undone. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_escaped_procs SEC(".maps");

/* Connections that had a plaintext write held -> the process holding it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct zflow);
	__type(value, struct zflow_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_held_flows SEC(".maps");

/* Slot 0: ktime of the last escape on the node (0: none); the per-packet program looks no further otherwise. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_escape_last SEC(".maps");

static __always_inline __u64 zprocess_start(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_time);
}

/* The connection of inet stream socket `sk` (a struct sock address); 0 for another family. */
static __always_inline int zflow_of_sock(__u64 sk, struct zflow *f)
{
	struct sock *s = (struct sock *)sk;
	__u16 fam;

	if (!s)
		return 0;
	fam = BPF_CORE_READ(s, __sk_common.skc_family);
	__builtin_memset(f, 0, sizeof(*f));
	f->family = fam;
	f->sport = BPF_CORE_READ(s, __sk_common.skc_num);
	f->dport = BPF_CORE_READ(s, __sk_common.skc_dport);
	if (fam == ZIRIZ_AF_INET) {
		f->saddr[0] = BPF_CORE_READ(s, __sk_common.skc_rcv_saddr);
		f->daddr[0] = BPF_CORE_READ(s, __sk_common.skc_daddr);
		return 1;
	}
	if (fam != ZIRIZ_AF_INET6)
		return 0;
	BPF_CORE_READ_INTO(&f->saddr, s, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
	BPF_CORE_READ_INTO(&f->daddr, s, __sk_common.skc_v6_daddr.in6_u.u6_addr32);
	return 1;
}

/* A hold of the current process on plaintext socket `sk`: remember the connection, keyed in `f`/`o` (map memory). */
static __always_inline void zheld_flow(__u64 sk, struct zflow *f, struct zflow_owner *o)
{
	if (!sk || !zflow_of_sock(sk, f))
		return;
	o->tgid = bpf_get_current_pid_tgid() >> 32;
	o->pad = 0;
	o->start_time = zprocess_start(bpf_get_current_task_btf());
	if (bpf_map_update_elem(&ziriz_held_flows, f, o, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
}

/*
 * Is the current process one whose hold was undone? Then it is killed now:
 * the signal is queued before this probe returns, so the probed function
 * (the send) never runs.
 */
static __always_inline int zescaped_self(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 *st = bpf_map_lookup_elem(&ziriz_escaped_procs, &tgid);

	if (!st || *st != zprocess_start(bpf_get_current_task_btf()))
		return 0;
	bpf_send_signal(ZIRIZ_SIGKILL);
	zcount(ZIRIZ_CNT_ESCAPE_STOPPED);
	return 1;
}

#endif /* ZIRIZ_ESCAPE_H */
