/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Which pod is the current task in? The agent keys ziriz_identity by the pod's
 * cgroup v2 id (and by container cgroups it has seen). A container cgroup the
 * agent has not seen yet (a restarted or new container) still matches through
 * its ancestors, so there is no window where a process of a protected pod
 * runs unprotected.
 */
#ifndef ZIRIZ_IDENTITY_H
#define ZIRIZ_IDENTITY_H

#include "common.h"

#define ZIRIZ_CGROUP_MAX_DEPTH 12

/* Identity of the current task, or NULL. `*cgid` gets the task's own cgroup id. */
static __always_inline struct ziriz_identity *zidentity_current(__u64 *cgid)
{
	struct ziriz_identity *id;
	__u64 self = bpf_get_current_cgroup_id();

	*cgid = self;
	id = zidentity_of(self);
	if (id)
		return id;
	/* Nearest ancestor first: walk from the deepest level towards the root. */
	for (int lvl = ZIRIZ_CGROUP_MAX_DEPTH; lvl >= 1; lvl--) {
		__u64 anc = bpf_get_current_ancestor_cgroup_id(lvl);

		if (!anc || anc == self)
			continue;
		id = zidentity_of(anc);
		if (id)
			return id;
	}
	return NULL;
}

#endif /* ZIRIZ_IDENTITY_H */
