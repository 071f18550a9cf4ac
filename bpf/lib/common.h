/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Common includes, the maps every program shares, and the event header.
 * Shared maps are pinned by name under the loader's pin root, so every
 * object of the node agent sees the same identity map, counters and ring.
 */
#ifndef ZIRIZ_COMMON_H
#define ZIRIZ_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "ziriz_abi.h"

#define ZIRIZ_AF_INET 2
#define ZIRIZ_AF_INET6 10
#define ZIRIZ_EPERM 1
#define ZIRIZ_SIGKILL 9

#ifdef ZIRIZ_DEBUG
#define zdebug(fmt, ...) bpf_printk(fmt, ##__VA_ARGS__)
#else
#define zdebug(fmt, ...) do { } while (0)
#endif

/* cgroup v2 id -> identity of the pod (filled by the node agent). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ziriz_identity);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_identity SEC(".maps");

/* Every drop and failure, per CPU (see enum ziriz_counter). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZIRIZ_CNT__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_counters SEC(".maps");

/* The one ring buffer towards the agent. Size set by the loader before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_events SEC(".maps");

/*
 * Records of processes a probe stopped (a held call, a program held at exec)
 * have a ring of their own: a flood of reports on ziriz_events (denied
 * connects, audited calls) from any pod can never make the agent miss a hold.
 * Only held records go here, so it needs room for one record per held thread.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 * 1024 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_hold_events SEC(".maps");

static __always_inline void zcount(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&ziriz_counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline struct ziriz_identity *zidentity_of(__u64 cgroup_id)
{
	return bpf_map_lookup_elem(&ziriz_identity, &cgroup_id);
}

/* Fill the common header for the current task. `identity_id` may be 0. */
static __always_inline void zfill_hdr(struct ziriz_event_hdr *h, __u16 op, __u32 size,
				      __u64 cgroup_id, __u32 identity_id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->op = op;
	h->flags = 0;
	h->size = size;
	h->ktime_ns = bpf_ktime_get_ns();
	h->cgroup_id = cgroup_id;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->identity_id = identity_id;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Reserve a fixed-size record; counts the loss when the ring is full. */
static __always_inline void *zreserve(__u32 size)
{
	void *e = bpf_ringbuf_reserve(&ziriz_events, size, 0);

	if (!e)
		zcount(ZIRIZ_CNT_RINGBUF_FULL);
	return e;
}

/*
 * Records that are only reports (egress and LSM verdicts, calls seen but not
 * held) have a byte budget per pod: a token bucket per cgroup (or identity,
 * for packet programs) refilled at ZIRIZ_REPORT_RATE bytes/s up to
 * ZIRIZ_REPORT_BURST bytes, a quarter of the default shared ring: one pod
 * looping denied connects can no longer crowd the other pods' reports off
 * the ring. 88-byte egress records: bursts of 22,727, then 11,363/s; 4 KiB
 * call records: 486, then 243/s. What the budget refuses is counted
 * (report_limited); the verdict counters (egress_denied, ...) stay exact.
 * Updates race between CPUs: the budget is approximate.
 */
#define ZIRIZ_REPORT_NS_PER_BYTE 1000ULL                 /* refill: 1,000,000 bytes/s */
#define ZIRIZ_REPORT_BURST_NS (2000000ULL * ZIRIZ_REPORT_NS_PER_BYTE) /* 2,000,000 bytes */

struct zreport_bucket {
	__u64 credit_ns;  /* credit, in ns of refill; a record of n bytes costs n * ZIRIZ_REPORT_NS_PER_BYTE */
	__u64 last_ns;    /* 0: new (full burst) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct zreport_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_report_budget SEC(".maps");

static const struct zreport_bucket ziriz_new_bucket = {};

/* May the pod named by *key (map or stack memory) write a report of `size` bytes now? */
static __always_inline int zreport_budget(const __u64 *key, __u32 size)
{
	struct zreport_bucket *b = bpf_map_lookup_elem(&ziriz_report_budget, key);
	__u64 now = bpf_ktime_get_ns(), credit, cost = (__u64)size * ZIRIZ_REPORT_NS_PER_BYTE;

	if (!b) {
		bpf_map_update_elem(&ziriz_report_budget, key, &ziriz_new_bucket, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&ziriz_report_budget, key);
		if (!b)
			return 1;
	}
	if (!b->last_ns)
		credit = ZIRIZ_REPORT_BURST_NS;
	else
		credit = b->credit_ns + (now > b->last_ns ? now - b->last_ns : 0);
	if (credit > ZIRIZ_REPORT_BURST_NS)
		credit = ZIRIZ_REPORT_BURST_NS;
	b->last_ns = now;
	if (credit < cost) {
		b->credit_ns = credit;
		zcount(ZIRIZ_CNT_REPORT_LIMITED);
		return 0;
	}
	b->credit_ns = credit - cost;
	return 1;
}

/* The same on the ring of held records (ziriz_hold_events). */
static __always_inline void *zreserve_hold(__u32 size)
{
	void *e = bpf_ringbuf_reserve(&ziriz_hold_events, size, 0);

	if (!e)
		zcount(ZIRIZ_CNT_RINGBUF_FULL);
	return e;
}

#endif /* ZIRIZ_COMMON_H */
