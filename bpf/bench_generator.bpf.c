// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark generator (hack/bench): on each getppid() of the target process,
 * emit `ziriz_bench_batch` records on the ring buffer, counting every record
 * produced (BENCH_SENT) and every one lost to a full ring (RINGBUF_FULL), so
 * delivered + lost == sent can be checked exactly in userspace.
 */
#include "common.h"

const volatile __u32 ziriz_bench_tgid = 0;
const volatile __u32 ziriz_bench_batch = 1;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ziriz_bench_seq SEC(".maps");

#define ZIRIZ_BENCH_MAX_BATCH 256

SEC("tracepoint/syscalls/sys_enter_getppid")
int ziriz_bench(void *ctx)
{
	__u32 zero = 0;
	__u64 *seq;

	if ((bpf_get_current_pid_tgid() >> 32) != ziriz_bench_tgid)
		return 0;
	seq = bpf_map_lookup_elem(&ziriz_bench_seq, &zero);
	if (!seq)
		return 0;
	for (__u32 i = 0; i < ZIRIZ_BENCH_MAX_BATCH; i++) {
		struct ziriz_bench_event *e;

		if (i >= ziriz_bench_batch)
			break;
		zcount(ZIRIZ_CNT_BENCH_SENT);
		e = zreserve(sizeof(*e));
		if (!e)
			continue;
		zfill_hdr(&e->hdr, ZIRIZ_OP_BENCH, sizeof(*e), 0, 0);
		e->seq = (*seq)++;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
