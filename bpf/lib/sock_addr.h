/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cgroup sock_addr hooks (connect4/6, sendmsg4/6). They run synchronously in
 * the connect()/sendto() syscall of the calling task, before any packet exists,
 * so returning 0 makes the syscall fail with EPERM: the earliest and cheapest
 * egress enforcement point. Attached once to the cgroup v2 root; tasks outside
 * protected pods cost one map lookup.
 */
#ifndef ZIRIZ_SOCK_ADDR_H
#define ZIRIZ_SOCK_ADDR_H

#include "common.h"
#include "identity.h"
#include "egress.h"
#include "blind.h"

#define ZIRIZ_SOCK_ALLOW 1
#define ZIRIZ_SOCK_DENY 0

/*
 * The visibility gate: a TCP connect of a process ziriz cannot see, in a pod
 * whose calls are judged (ZIRIZ_COVER_VISIBLE), is refused (audited under
 * Audit): its calls would pass unjudged.
 */
static __always_inline __u8 zvisibility(const struct ziriz_identity *id, __u32 protocol)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (protocol != IPPROTO_TCP || !((id->cover_enforce | id->cover_audit) & ZIRIZ_COVER_VISIBLE))
		return ZIRIZ_VERDICT_ALLOW;
	if (!bpf_map_lookup_elem(&ziriz_blind, &tgid))
		return ZIRIZ_VERDICT_ALLOW;
	return (id->cover_enforce & ZIRIZ_COVER_VISIBLE) ? ZIRIZ_VERDICT_DENY : ZIRIZ_VERDICT_AUDIT;
}

/* `family` is a compile-time constant per program, so only one branch is emitted. */
static __always_inline int zsock_addr_egress(struct bpf_sock_addr *ctx, __u32 family, __u8 hook)
{
	struct zegress_req req = {};
	struct ziriz_identity *id;
	__u16 rule_id = 0;
	__u64 cgid;
	__u8 verdict;

	id = zidentity_current(&cgid);
	if (!id)
		return ZIRIZ_SOCK_ALLOW;

	req.family = family;
	if (family == ZIRIZ_AF_INET) {
		__u32 ip4 = ctx->user_ip4;

		__builtin_memcpy(req.addr, &ip4, 4);
	} else {
		__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1];
		__u32 w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];

		if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0x0000ffff)) {
			/* IPv4-mapped (::ffff:a.b.c.d): judged as the IPv4 address it is. */
			req.family = ZIRIZ_AF_INET;
			__builtin_memcpy(req.addr, &w3, 4);
		} else {
			__builtin_memcpy(req.addr, &w0, 4);
			__builtin_memcpy(req.addr + 4, &w1, 4);
			__builtin_memcpy(req.addr + 8, &w2, 4);
			__builtin_memcpy(req.addr + 12, &w3, 4);
		}
	}
	req.port = bpf_ntohs((__u16)ctx->user_port);
	req.proto = (__u8)ctx->protocol;

	verdict = zegress_decide(id, &req, &rule_id);
	if (verdict != ZIRIZ_VERDICT_DENY && hook <= ZIRIZ_HOOK_CONNECT6) {
		__u8 v = zvisibility(id, req.proto);

		if (v != ZIRIZ_VERDICT_ALLOW) {
			verdict = v;
			rule_id = ZIRIZ_RULE_NOT_VISIBLE;
		}
	}
	if (verdict == ZIRIZ_VERDICT_ALLOW)
		return ZIRIZ_SOCK_ALLOW;
	zcount(verdict == ZIRIZ_VERDICT_DENY ? ZIRIZ_CNT_EGRESS_DENIED : ZIRIZ_CNT_EGRESS_AUDITED);
	zegress_report(&req, verdict, rule_id, hook, cgid, id->identity_id, 0, 1);
	return verdict == ZIRIZ_VERDICT_DENY ? ZIRIZ_SOCK_DENY : ZIRIZ_SOCK_ALLOW;
}

#endif /* ZIRIZ_SOCK_ADDR_H */
