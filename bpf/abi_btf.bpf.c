// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Not a program: an object that carries the BTF of every type in ziriz_abi.h,
 * so the ABI check (test/kernel/abi-btf.test.ts) sees all of them even when no
 * program uses one yet. Never loaded.
 */
#include "common.h"

struct ziriz_abi_anchor {
	struct ziriz_identity identity;
	struct ziriz_ip_key ip_key;
	struct ziriz_pod_uid_key pod_uid_key;
	struct ziriz_egress_key egress_key;
	struct ziriz_port_rule port_rule;
	struct ziriz_egress_value egress_value;
	struct ziriz_call_key call_key;
	struct ziriz_call_value call_value;
	struct ziriz_hold hold;
	struct ziriz_event_hdr hdr;
	struct ziriz_egress_event egress_event;
	struct ziriz_data_event data_event;
	struct ziriz_exec_event exec_event;
	struct ziriz_lsm_event lsm_event;
	struct ziriz_bench_event bench_event;
	enum ziriz_op op;
	enum ziriz_counter counter;
	enum ziriz_role role;
	enum ziriz_cover cover;
	enum ziriz_action action;
	enum ziriz_verdict verdict;
	enum ziriz_call_kind call_kind;
	enum ziriz_hold_why hold_why;
	enum ziriz_egress_hook egress_hook;
	enum ziriz_data_source data_source;
	enum ziriz_lsm_hook lsm_hook;
	enum ziriz_peer_family peer_family;
};

struct ziriz_abi_anchor ziriz_abi_anchor SEC(".data.abi");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
