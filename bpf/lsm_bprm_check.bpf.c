// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lsm/bprm_check_security: executables an agent must not run (e.g. a shell,
 * curl), from `process.deny`: checked on the path as invoked and on the base
 * name of the resolved file, before the new program is loaded.
 */
#include "common.h"
#include "lsm.h"
#include "paths.h"

SEC("lsm/bprm_check_security")
int BPF_PROG(ziriz_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct ziriz_lsm_event *e;
	struct ziriz_identity *id;
	char *real = zname_scratch();
	__u32 rule_id = 0;
	int verdict;
	__u64 cgid;

	if (ret)
		return ret;
	id = zidentity_current(&cgid);
	if (!id)
		return 0;
	e = zlsm_scratch();
	if (!e || !real)
		return 0;
	verdict = zexec_bprm_verdict(id, bprm, e, real, &rule_id);
	if (verdict < 0)
		return 0;
	return zlsm_verdict(e, ZIRIZ_LSM_BPRM_CHECK, (__u8)verdict, rule_id, cgid, id, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
