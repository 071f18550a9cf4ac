// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lsm/file_open: paths an agent must not open (e.g. its service-account token,
 * mounted secrets), from `files.deny`. file_open sees the resolved path of
 * every open, after permission checks and before the file is usable.
 */
#include "common.h"
#include "lsm.h"
#include "paths.h"

SEC("lsm/file_open")
int BPF_PROG(ziriz_file_open, struct file *file, int ret)
{
	struct ziriz_lsm_event *e;
	struct ziriz_identity *id;
	__u32 rule_id = 0;
	__u64 cgid;
	long len;

	if (ret)
		return ret;
	id = zidentity_current(&cgid);
	if (!id)
		return 0;
	e = zlsm_scratch();
	if (!e)
		return 0;
	len = bpf_d_path((struct path *)&file->f_path, e->path, sizeof(e->path));
	if (len <= 1)
		return 0;
	return zlsm_verdict(e, ZIRIZ_LSM_FILE_OPEN, zpath_verdict(e->path, len - 1, id->policy_id, ZIRIZ_CALL_FILE_PREFIX, &rule_id),
			    rule_id, cgid, id, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
