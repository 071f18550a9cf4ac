/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Processes ziriz cannot see (no plaintext probes: a static executable, a
 * TLS stack it does not probe) and the TCP connections they open. Their
 * calls were not judged on the sending side, so a server's inbound rules
 * judge them even when the caller is a protected pod (decision D10 skips
 * only callers that were instrumented).
 */
#ifndef ZIRIZ_BLIND_H
#define ZIRIZ_BLIND_H

#include "common.h"

/*
 * tgid -> why ziriz cannot see the process's calls (node-agent
 * calls/visibility.ts), written by the agent when it probes the process
 * (held at exec: before it runs).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_blind SEC(".maps");

/* The calling end of a connection, as a server's read probe names its peer (struct zpeer's layout). */
struct zblind_key {
	__u8 addr[16];      /* IPv4 in the first 4 bytes */
	__u16 port;         /* host order */
	__u8 family;        /* AF_INET or AF_INET6 (an IPv4-mapped address as AF_INET) */
	__u8 pad;
};

/* Connections opened by a process in ziriz_blind (its end) -> that process (tp_blind_flows.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct zblind_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_blind_flows SEC(".maps");

#endif /* ZIRIZ_BLIND_H */
