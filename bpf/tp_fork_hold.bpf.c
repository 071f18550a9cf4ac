// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sched_process_fork: a process forked without exec by a process of a pod
 * whose calls are judged (Python multiprocessing, gunicorn/uWSGI workers,
 * any fork() server) has none of its parent's per-process probes: they are
 * pid-filtered. Before the child first runs (the tracepoint fires before it
 * is woken), it gets a SIGSTOP (bpf_send_signal_task, 6.13+) and a hold
 * record like a new program at exec: the agent probes it and resumes it
 * (tp_sched_exec.bpf.c; the same hold entry and SIGCONT guard). Threads
 * share their process's probes and are not held. On older kernels this
 * program does not load and the hook is reported degraded; the visibility
 * gate does not cover such a child (docs/kernel-support.md).
 */
#include "common.h"
#include "identity.h"
#include "holds.h"

extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type, __u64 value) __ksym;

/* Set by the agent with ziriz_exec_hold: only when per-process probes can be attached. */
const volatile __u8 ziriz_fork_hold_on = 0;

#define ZIRIZ_SIGSTOP 19
#define ZIRIZ_PROBED_COVER (ZIRIZ_COVER_MCP | ZIRIZ_COVER_A2A | ZIRIZ_COVER_HTTP | \
			    ZIRIZ_COVER_IN_MCP | ZIRIZ_COVER_IN_A2A | ZIRIZ_COVER_IN_HTTP)

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ziriz_fork_hold, struct task_struct *parent, struct task_struct *child)
{
	struct ziriz_exec_event *e;
	struct ziriz_identity *id;
	__u32 tgid = child->tgid;
	__u64 cgid;

	if (!ziriz_fork_hold_on || child->pid != child->tgid)
		return 0;
	id = zidentity_current(&cgid);
	if (!id || !((id->cover_enforce | id->cover_audit) & ZIRIZ_PROBED_COVER))
		return 0;
	/* Reserved first: a child is never stopped without the agent hearing of it. */
	e = zreserve_hold(sizeof(*e));
	if (!e)
		return 0;
	zfill_hdr(&e->hdr, ZIRIZ_OP_EXEC, sizeof(*e), cgid, id->identity_id);
	e->hdr.pid = tgid;
	e->hdr.tid = child->pid;
	e->ppid = parent->tgid;
	e->exit_code = 0;
	e->held = 1;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(child, mm, exe_file, f_path.dentry, d_name.name));
	if (bpf_send_signal_task(child, ZIRIZ_SIGSTOP, PIDTYPE_TGID, 0) < 0) {
		zcount(ZIRIZ_CNT_SIGNAL_FAIL);
		e->held = 0;
	} else {
		struct ziriz_hold h = { .ktime_ns = e->hdr.ktime_ns, .tid = child->pid, .cgroup_id = cgid, .source = ZIRIZ_SRC_EXEC };

		if (bpf_map_update_elem(&ziriz_holds, &tgid, &h, BPF_ANY) < 0)
			zcount(ZIRIZ_CNT_MAP_FULL);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
