// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The TCP connections of processes ziriz cannot see (lib/blind.h): a protected
 * pod's process in ziriz_blind that connects (allowed by spec.visibility
 * EgressOnly, or under Audit) sends calls nobody judged on its side. Its end
 * of the connection is recorded here, and a protected server's read probes
 * judge what comes from it by their inbound rules, as from a caller ziriz
 * does not protect (decision D10 skips only instrumented callers).
 *
 * sock/inet_sock_set_state: SYN_SENT is set inside connect(), in the
 * calling process (the source port may not be chosen yet: the socket is
 * noted); ESTABLISHED comes before the process can send a byte, with the
 * source port: the connection is recorded then. A connect that fails
 * (CLOSE) forgets the socket.
 */
#include "common.h"
#include "identity.h"
#include "blind.h"

#define ZTCP_ESTABLISHED 1
#define ZTCP_SYN_SENT 2
#define ZTCP_CLOSE 7
#define ZIPPROTO_TCP 6

/* Sockets of blind processes between connect() and ESTABLISHED -> the process. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} ziriz_blind_pending SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int ziriz_blind_flow(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	int state = ctx->newstate;
	struct zblind_key k = {};
	__u32 tgid, *owner;
	__u64 cgid;

	if (ctx->protocol != ZIPPROTO_TCP)
		return 0;
	if (state == ZTCP_SYN_SENT) {
		tgid = bpf_get_current_pid_tgid() >> 32;
		if (!zidentity_current(&cgid) || !bpf_map_lookup_elem(&ziriz_blind, &tgid))
			return 0;
		if (bpf_map_update_elem(&ziriz_blind_pending, &sk, &tgid, BPF_ANY) < 0)
			zcount(ZIRIZ_CNT_MAP_FULL);
		return 0;
	}
	if (state != ZTCP_ESTABLISHED && state != ZTCP_CLOSE)
		return 0;
	owner = bpf_map_lookup_elem(&ziriz_blind_pending, &sk);
	if (!owner)
		return 0;
	tgid = *owner;
	bpf_map_delete_elem(&ziriz_blind_pending, &sk);
	if (state != ZTCP_ESTABLISHED)
		return 0;
	k.port = ctx->sport;
	if (ctx->family == ZIRIZ_AF_INET) {
		bpf_probe_read_kernel(k.addr, 4, ctx->saddr);
		k.family = ZIRIZ_AF_INET;
	} else if (ctx->family == ZIRIZ_AF_INET6) {
		__u32 w[4];

		/* An array of the context: read, not dereferenced at a computed offset (the verifier refuses that). */
		if (bpf_probe_read_kernel(w, sizeof(w), ctx->saddr_v6) < 0)
			return 0;
		if (w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff)) {
			/* IPv4-mapped: the server names such a peer by its IPv4 address. */
			__builtin_memcpy(k.addr, &w[3], 4);
			k.family = ZIRIZ_AF_INET;
		} else {
			__builtin_memcpy(k.addr, w, 16);
			k.family = ZIRIZ_AF_INET6;
		}
	} else {
		return 0;
	}
	if (bpf_map_update_elem(&ziriz_blind_flows, &k, &tgid, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
