/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Find the pod a task belongs to from its cgroup path, for tasks whose cgroup
 * has no identity yet: walk the task's cgroup v2 kernfs ancestors and look for
 * the kubelet's pod cgroup name, in either driver's spelling:
 *   cgroupfs: pod<uid>                            (uid with '-')
 *   systemd:  kubepods-<qos>-pod<uid>.slice       (uid with '_')
 */
#ifndef ZIRIZ_PODCG_H
#define ZIRIZ_PODCG_H

#include "common.h"

#define ZIRIZ_PODCG_DEPTH 8
#define ZIRIZ_KN_NAME_MAX 128 /* a power of two: indexes are masked with it */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ziriz_pod_uid_key);
	__type(value, struct ziriz_identity);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_pod_uids SEC(".maps");

/* kernfs_node.parent was renamed __parent in 6.15; CO-RE picks whichever exists. */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *zkn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

struct zpodcg_scratch {
	char name[ZIRIZ_KN_NAME_MAX];
	struct ziriz_pod_uid_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zpodcg_scratch);
} zpodcg_scratch SEC(".maps");

/*
 * Offset of the UID in a kernfs name of `len` bytes, or -1. Constant-time
 * checks (no scanning) keep the verifier's work small:
 *   cgroupfs "pod<uid>" is exactly 3 + 36 bytes;
 *   systemd  "...pod<uid>.slice" ends with "pod" + 36 + ".slice".
 */
static __always_inline int zfind_pod_uid(const char *name, int len)
{
	int off;

	if (len == 3 + ZIRIZ_UID_LEN && name[0] == 'p' && name[1] == 'o' && name[2] == 'd')
		return 3;
	if (len < 3 + ZIRIZ_UID_LEN + 6 || len >= ZIRIZ_KN_NAME_MAX)
		return -1;
	off = len - 6 - ZIRIZ_UID_LEN;
	if (off < 3 || off > ZIRIZ_KN_NAME_MAX - ZIRIZ_UID_LEN - 6)
		return -1;
	if (name[(off - 3) & (ZIRIZ_KN_NAME_MAX - 1)] != 'p' || name[(off - 2) & (ZIRIZ_KN_NAME_MAX - 1)] != 'o' ||
	    name[(off - 1) & (ZIRIZ_KN_NAME_MAX - 1)] != 'd' || name[(len - 6) & (ZIRIZ_KN_NAME_MAX - 1)] != '.')
		return -1;
	return off;
}

/*
 * The identity of the pod owning the current task's cgroup, looked up by pod
 * UID; `*pod_cgid` gets the pod cgroup's id (kernfs id == cgroup v2 id).
 */
static __always_inline struct ziriz_identity *zpod_identity_by_uid(__u64 *pod_cgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	struct zpodcg_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&zpodcg_scratch, &zero);
	if (!s)
		return NULL;
	for (int d = 0; d < ZIRIZ_PODCG_DEPTH && kn; d++) {
		const char *kname = BPF_CORE_READ(kn, name);
		int len, off;

		len = bpf_probe_read_kernel_str(s->name, sizeof(s->name), kname);
		if (len <= 0)
			return NULL;
		off = zfind_pod_uid(s->name, len - 1);
		if (off >= 0 && off <= ZIRIZ_KN_NAME_MAX - ZIRIZ_UID_LEN) {
			for (int i = 0; i < ZIRIZ_UID_LEN; i++) {
				char c = s->name[(off + i) & (ZIRIZ_KN_NAME_MAX - 1)];

				s->key.uid[i] = c == '_' ? '-' : c;
			}
			__builtin_memset(s->key.pad, 0, sizeof(s->key.pad));
			*pod_cgid = BPF_CORE_READ(kn, id);
			return bpf_map_lookup_elem(&ziriz_pod_uids, &s->key);
		}
		kn = zkn_parent(kn);
	}
	return NULL;
}

/*
 * Is task `t` in the pod of identity `identity_id`? Its cgroup's kernfs
 * ancestors are looked up in ziriz_identity (keyed by pod and container
 * cgroups), nearest first.
 */
static __always_inline int ztask_in_pod(struct task_struct *t, __u32 identity_id)
{
	struct kernfs_node *kn = t ? BPF_CORE_READ(t, cgroups, dfl_cgrp, kn) : NULL;

	for (int d = 0; d < ZIRIZ_PODCG_DEPTH && kn; d++) {
		struct ziriz_identity *id = zidentity_of(BPF_CORE_READ(kn, id));

		if (id)
			return id->identity_id == identity_id;
		kn = zkn_parent(kn);
	}
	return 0;
}

#endif /* ZIRIZ_PODCG_H */
