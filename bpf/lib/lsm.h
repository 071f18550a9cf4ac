/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Common part of the LSM programs: identity gate, verdict record, counting.
 * LSM hooks run synchronously in the kernel's security check: returning
 * -EPERM refuses the operation before the object is used (no TOCTOU window).
 * Every program starts from the previous LSM's decision (`ret`) and only ever
 * adds a denial from a map verdict.
 */
#ifndef ZIRIZ_LSM_H
#define ZIRIZ_LSM_H

#include "common.h"
#include "identity.h"

#define ZIRIZ_EPERM_RET (-1)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ziriz_lsm_event);
} ziriz_lsm_scratch SEC(".maps");

static __always_inline struct ziriz_lsm_event *zlsm_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ziriz_lsm_scratch, &zero);
}

static __always_inline void zlsm_output(struct ziriz_lsm_event *e)
{
	if (!zreport_budget(&e->hdr.cgroup_id, sizeof(*e)))
		return;
	if (bpf_ringbuf_output(&ziriz_events, e, sizeof(*e), 0) < 0)
		zcount(ZIRIZ_CNT_RINGBUF_FULL);
}

/*
 * Report a DENY/AUDIT from the scratch record; returns what the hook must
 * return. The two returns are constants on separate paths: from 6.12 the
 * verifier checks an LSM program's return value is in [-4095, 0], and a
 * branchless `-(verdict == DENY)` (what clang made of a ?: here) loses the
 * range, so the program was refused (EINVAL) on Linux 6.12.
 */
static __always_inline int zlsm_verdict(struct ziriz_lsm_event *e, __u8 hook, __u8 verdict, __u32 rule_id,
					__u64 cgid, const struct ziriz_identity *id, __u16 flags)
{
	if (verdict != ZIRIZ_VERDICT_DENY && verdict != ZIRIZ_VERDICT_AUDIT)
		return 0;
	zfill_hdr(&e->hdr, ZIRIZ_OP_LSM, sizeof(*e), cgid, id->identity_id);
	e->hdr.flags = flags;
	e->hook = hook;
	e->verdict = verdict;
	e->pad = 0;
	e->rule_id = rule_id;
	if (verdict == ZIRIZ_VERDICT_DENY) {
		zcount(ZIRIZ_CNT_LSM_DENIED);
		zlsm_output(e);
		return ZIRIZ_EPERM_RET;
	}
	zlsm_output(e);
	return 0;
}

#endif /* ZIRIZ_LSM_H */
