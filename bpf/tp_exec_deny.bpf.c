// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sched_process_exec, second program (attached after tp_sched_exec, so a new
 * pod's cgroup is already keyed): `process.deny` where BPF LSM is not
 * available. The new program is killed before its first instruction (the
 * exec itself succeeded, so this is Kill, not Block). With BPF LSM the bprm
 * hook refuses the exec first and this never sees it.
 */
#include "common.h"
#include "identity.h"
#include "lsm.h"
#include "paths.h"

/* ziriz_lsm_event.hdr.flags: enforced by the exec tracepoint (kill), not by an LSM hook. */
#define ZIRIZ_LSM_FLAG_EXEC_KILL 1

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ziriz_exec_deny, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ziriz_lsm_event *e;
	struct ziriz_identity *id;
	char *real = zname_scratch();
	__u32 rule_id = 0;
	int verdict;
	__u64 cgid;

	id = zidentity_current(&cgid);
	e = zlsm_scratch();
	if (!id || !e || !real)
		return 0;
	verdict = zexec_bprm_verdict(id, bprm, e, real, &rule_id);
	if (verdict < 0)
		return 0;
	if (verdict == ZIRIZ_VERDICT_DENY)
		bpf_send_signal(ZIRIZ_SIGKILL);
	zlsm_verdict(e, ZIRIZ_LSM_BPRM_CHECK, (__u8)verdict, rule_id, cgid, id, ZIRIZ_LSM_FLAG_EXEC_KILL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
