/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Egress decision shared by the cgroup sock_addr hooks and the TC program.
 * Policy is data: the LPM trie ziriz_egress holds, for each prefix, the port
 * rules of every policy rule containing it (see ziriz_abi.h), so one lookup
 * gives every rule that applies to the address. Deny beats allow.
 */
#ifndef ZIRIZ_EGRESS_H
#define ZIRIZ_EGRESS_H

#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct ziriz_egress_key);
	__type(value, struct ziriz_egress_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_egress SEC(".maps");

/* rule_id 0 is the category default (rules[0] of a compiled set). */
#define ZIRIZ_RULE_DEFAULT 0

struct zegress_req {
	__u32 family;
	__u8 addr[16];
	__u16 port;     /* host order */
	__u8 proto;
};

static __always_inline int zport_rule_matches(const struct ziriz_port_rule *r, __u16 port, __u8 proto)
{
	if (r->proto && r->proto != proto)
		return 0;
	return port >= r->port_lo && port <= r->port_hi;
}

/* Category default from the identity's cover bits. */
static __always_inline __u8 zegress_default(const struct ziriz_identity *id)
{
	if (id->cover_enforce & ZIRIZ_COVER_EGRESS)
		return ZIRIZ_VERDICT_DENY;
	if (id->cover_audit & ZIRIZ_COVER_EGRESS)
		return ZIRIZ_VERDICT_AUDIT;
	return ZIRIZ_VERDICT_ALLOW;
}

/*
 * Verdict for `req` under identity `id` (the reference model is
 * core/policy/kernel/sim.ts simulateEgress, and must stay equal):
 *   a matching DENY -> DENY; no matching ALLOW -> category default;
 *   a matching AUDIT -> AUDIT; else ALLOW.
 * `*rule_id` names the deciding rule (ZIRIZ_RULE_DEFAULT for the default).
 */
static __always_inline __u8 zegress_decide(const struct ziriz_identity *id,
					   const struct zegress_req *req, __u16 *rule_id)
{
	struct ziriz_egress_key key = {};
	struct ziriz_egress_value *val;
	__u16 allow_rule = 0, audit_rule = 0;
	int allowed = 0, audited = 0;

	key.prefixlen = 64 + (req->family == ZIRIZ_AF_INET ? 32 : 128);
	key.policy_id = id->policy_id;
	key.family = req->family;
	__builtin_memcpy(key.addr, req->addr, sizeof(key.addr));

	*rule_id = ZIRIZ_RULE_DEFAULT;
	val = bpf_map_lookup_elem(&ziriz_egress, &key);
	if (!val)
		return zegress_default(id);
	for (int i = 0; i < ZIRIZ_EGRESS_PORT_RULES; i++) {
		const struct ziriz_port_rule *r = &val->rules[i];

		if (i >= val->count)
			break;
		if (!zport_rule_matches(r, req->port, req->proto))
			continue;
		if (r->verdict == ZIRIZ_VERDICT_DENY) {
			*rule_id = r->rule_id;
			return ZIRIZ_VERDICT_DENY;
		}
		if (r->verdict == ZIRIZ_VERDICT_AUDIT && !audited) {
			audited = 1;
			audit_rule = r->rule_id;
		}
		if (r->verdict == ZIRIZ_VERDICT_ALLOW && !allowed) {
			allowed = 1;
			allow_rule = r->rule_id;
		}
	}
	if (!allowed)
		return zegress_default(id);
	*rule_id = audited ? audit_rule : allow_rule;
	return audited ? ZIRIZ_VERDICT_AUDIT : ZIRIZ_VERDICT_ALLOW;
}

/*
 * Report a non-allow egress verdict on the ring buffer. `in_task` is false for
 * packet programs (TC), where no task context exists: pid/uid/comm stay zero
 * and the agent names the pod from the source address instead.
 */
static __always_inline void zegress_report(const struct zegress_req *req, __u8 verdict, __u16 rule_id,
					   __u8 hook, __u64 cgid, __u32 identity_id, __u32 ifindex,
					   int in_task)
{
	struct ziriz_egress_event *e;
	/* The pod's report budget: by cgroup, or by identity where no task is (TC). */
	__u64 budget_key = in_task ? cgid : ((__u64)identity_id | (1ULL << 63));

	if (!zreport_budget(&budget_key, sizeof(*e)))
		return;
	e = zreserve(sizeof(*e));
	if (!e)
		return;
	if (in_task) {
		zfill_hdr(&e->hdr, ZIRIZ_OP_EGRESS, sizeof(*e), cgid, identity_id);
	} else {
		__builtin_memset(&e->hdr, 0, sizeof(e->hdr));
		e->hdr.op = ZIRIZ_OP_TC;
		e->hdr.size = sizeof(*e);
		e->hdr.ktime_ns = bpf_ktime_get_ns();
		e->hdr.identity_id = identity_id;
	}
	__builtin_memcpy(e->daddr, req->addr, sizeof(e->daddr));
	e->family = req->family;
	e->dport = req->port;
	e->proto = req->proto;
	e->verdict = verdict;
	e->hook = hook;
	e->pad = 0;
	e->rule_id = rule_id;
	e->ifindex = ifindex;
	bpf_ringbuf_submit(e, 0);
}

#endif /* ZIRIZ_EGRESS_H */
