/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Map ziriz_calls: {policy_id, kind, name hash} -> verdict (tools, methods, routes, files, executables). */
#ifndef ZIRIZ_CALLS_MAP_H
#define ZIRIZ_CALLS_MAP_H

#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ziriz_call_key);
	__type(value, struct ziriz_call_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_calls SEC(".maps");

/* The entry for `hash`, or NULL (no category default for deny lists). */
static __always_inline struct ziriz_call_value *zcall_entry(__u32 policy_id, __u16 kind, __u64 hash)
{
	struct ziriz_call_key k = { .policy_id = policy_id, .kind = kind, .name_hash = hash };

	return bpf_map_lookup_elem(&ziriz_calls, &k);
}

#endif /* ZIRIZ_CALLS_MAP_H */
