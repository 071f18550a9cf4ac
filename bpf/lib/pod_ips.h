/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Pod IP -> identity, for packet programs and for naming both ends of a verdict. */
#ifndef ZIRIZ_POD_IPS_H
#define ZIRIZ_POD_IPS_H

#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ziriz_ip_key);
	__type(value, struct ziriz_identity);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_pod_ips SEC(".maps");

#endif /* ZIRIZ_POD_IPS_H */
