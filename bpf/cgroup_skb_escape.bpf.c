// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cgroup_skb/egress on the cgroup v2 root: the packets of a connection whose
 * held plaintext write was undone by someone else (lib/escape.h) are dropped,
 * retransmissions included, so the escaped write never reaches the server.
 * Every other packet passes after one array lookup (no escape on the node in
 * the last 30 minutes) or two hash lookups.
 */
#include "common.h"
#include "escape.h"

SEC("cgroup_skb/egress")
int ziriz_escape_drop(struct __sk_buff *skb)
{
	struct zflow_owner *o;
	struct bpf_sock *sk;
	struct zflow f = {};
	__u32 zero = 0;
	__u64 *last, *st;

	last = bpf_map_lookup_elem(&ziriz_escape_last, &zero);
	if (!last || !*last || bpf_ktime_get_ns() - *last > ZIRIZ_ESCAPE_TTL_NS)
		return 1;
	sk = skb->sk;
	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	f.family = sk->family;
	f.sport = sk->src_port;
	f.dport = sk->dst_port;
	if (f.family == ZIRIZ_AF_INET) {
		f.saddr[0] = sk->src_ip4;
		f.daddr[0] = sk->dst_ip4;
	} else if (f.family == ZIRIZ_AF_INET6) {
		f.saddr[0] = sk->src_ip6[0];
		f.saddr[1] = sk->src_ip6[1];
		f.saddr[2] = sk->src_ip6[2];
		f.saddr[3] = sk->src_ip6[3];
		f.daddr[0] = sk->dst_ip6[0];
		f.daddr[1] = sk->dst_ip6[1];
		f.daddr[2] = sk->dst_ip6[2];
		f.daddr[3] = sk->dst_ip6[3];
	} else {
		return 1;
	}
	o = bpf_map_lookup_elem(&ziriz_held_flows, &f);
	if (!o)
		return 1;
	st = bpf_map_lookup_elem(&ziriz_escaped_procs, &o->tgid);
	if (!st || *st != o->start_time)
		return 1;
	zcount(ZIRIZ_CNT_ESCAPE_DROPPED);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
