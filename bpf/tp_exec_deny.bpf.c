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

#define ZIRIZ_SIGKILL 9
/* ziriz_lsm_event.hdr.flags: enforced by the exec tracepoint (kill), not by an LSM hook. */
#define ZIRIZ_LSM_FLAG_EXEC_KILL 1

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ziriz_exec_deny, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ziriz_lsm_event *e;
	struct ziriz_identity *id;
	char *real = zname_scratch();
	__u32 rule_id = 0;
	long len, rlen;
	__u8 verdict;
	__u64 cgid;

	id = zidentity_current(&cgid);
	e = zlsm_scratch();
	if (!id || !e || !real)
		return 0;
	len = bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
	rlen = bpf_probe_read_kernel_str(real, ZIRIZ_PATH_MAX, BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name));
	if (len <= 1)
		return 0;
	verdict = zexec_verdict(id, e->path, len - 1, real, rlen > 1 ? rlen - 1 : 0, &rule_id);
	if (verdict == ZIRIZ_VERDICT_DENY)
		bpf_send_signal(ZIRIZ_SIGKILL);
	zlsm_verdict(e, ZIRIZ_LSM_BPRM_CHECK, verdict, rule_id, cgid, id, ZIRIZ_LSM_FLAG_EXEC_KILL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
