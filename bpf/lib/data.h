/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Plaintext capture for TLS library probes and socket syscalls. The record is
 * built in a per-CPU scratch buffer (never the stack: it is 4 KiB) and sent
 * with only the captured bytes, so small requests cost small records.
 */
#ifndef ZIRIZ_DATA_H
#define ZIRIZ_DATA_H

#include "common.h"
#include "identity.h"

/*
 * Set by the loader: capture mode (tests, the demo). Every write of the probed
 * processes is captured as OP_TLS_DATA, whatever their identity, and nothing is
 * judged or held. The node agent leaves it 0 (judge mode).
 */
const volatile __u8 ziriz_capture_all = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ziriz_data_event);
} ziriz_data_scratch SEC(".maps");

#define ZIRIZ_DATA_HDR_SIZE (sizeof(struct ziriz_data_event) - ZIRIZ_DATA_MAX)

/*
 * Emit one OP_TLS_DATA record with up to ZIRIZ_DATA_MAX bytes of `buf`.
 * `len` is the plaintext length of the call (negative or zero: nothing to do).
 */
static __always_inline int zcapture(__u8 source, __u64 conn, const void *buf, __s64 len)
{
	struct ziriz_identity *id;
	struct ziriz_data_event *e;
	__u32 zero = 0, n;
	__u64 cgid;

	if (len <= 0 || !buf)
		return 0;
	id = zidentity_current(&cgid);
	if (!id && !ziriz_capture_all)
		return 0;
	zcount(ZIRIZ_CNT_PROBE_HITS);
	e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);
	if (!e)
		return 0;

	n = len > ZIRIZ_DATA_MAX ? ZIRIZ_DATA_MAX : (__u32)len;
	zfill_hdr(&e->hdr, ZIRIZ_OP_TLS_DATA, ZIRIZ_DATA_HDR_SIZE + n, cgid, id ? id->identity_id : 0);
	e->conn = conn;
	e->buf = (__u64)buf;
	e->len = (__u32)len;
	e->source = source;
	e->verdict = ZIRIZ_VERDICT_NONE;
	e->kind = 0;
	e->held = 0;
	e->rule_id = 0;
	e->name_hash = 0;
	if (n > ZIRIZ_DATA_MAX) /* restated for the verifier */
		n = ZIRIZ_DATA_MAX;
	if (bpf_probe_read_user(e->data, n, buf) < 0) {
		zcount(ZIRIZ_CNT_READ_FAIL);
		n = 0;
		e->hdr.size = ZIRIZ_DATA_HDR_SIZE;
	}
	e->captured = n;
	if (bpf_ringbuf_output(&ziriz_events, e, ZIRIZ_DATA_HDR_SIZE + n, 0) < 0)
		zcount(ZIRIZ_CNT_RINGBUF_FULL);
	return 0;
}

#endif /* ZIRIZ_DATA_H */
