/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Processes a probe stopped and the agent has not let go yet: written by the
 * call probes (a held call) and the exec program (a program held until its
 * probes are attached), deleted by the agent when it resumes or kills the
 * process. A new agent finds here what a dead one left stopped.
 */
#ifndef ZIRIZ_HOLDS_H
#define ZIRIZ_HOLDS_H

#include "common.h"

/* tgid -> the hold in progress (see struct ziriz_hold). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct ziriz_hold);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_holds SEC(".maps");

#endif /* ZIRIZ_HOLDS_H */
