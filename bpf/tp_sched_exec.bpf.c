// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sched_process_exec: runs in the new program's context before its first
 * instruction. For a task in a protected pod it reports the exec (the agent
 * attaches per-process probes from it); for a task in a pod cgroup the agent
 * has not keyed yet, it looks the pod up by UID (lib/podcg.h) and keys the pod
 * cgroup itself, so a pod is protected from its first exec even when the
 * agent has not seen its cgroup yet. It also sorts the new program's stdio:
 * given from outside the pod, or a stdio server's input (lib/fd.h).
 */
#include "common.h"
#include "identity.h"
#include "podcg.h"
#include "holds.h"
#include "fd.h"

/*
 * Set by the agent when it attaches per-process TLS probes: a new program in
 * a pod whose policy covers MCP/A2A/HTTP (sent or, inbound, received) is stopped (SIGSTOP, before its
 * first instruction) until the agent has attached its probes and resumes it,
 * so no process of a protected pod ever runs unprobed.
 */
const volatile __u8 ziriz_exec_hold = 0;

#define ZIRIZ_SIGSTOP 19
#define ZIRIZ_PROBED_COVER (ZIRIZ_COVER_MCP | ZIRIZ_COVER_A2A | ZIRIZ_COVER_HTTP | \
			    ZIRIZ_COVER_IN_MCP | ZIRIZ_COVER_IN_A2A | ZIRIZ_COVER_IN_HTTP)

/*
 * Report the exec; hold the process when asked. The record is reserved first:
 * a process is never stopped without the agent hearing of it (a full ring
 * leaves it running, to be probed by the agent's next scan of the pod).
 */
static __always_inline void zreport_exec(__u64 cgid, const struct ziriz_identity *id, int hold)
{
	struct task_struct *task = bpf_get_current_task_btf();
	/* A held program's record goes on the ring of held records (common.h). */
	struct ziriz_exec_event *e = hold ? zreserve_hold(sizeof(*e)) : zreserve(sizeof(*e));

	if (!e)
		return;
	zfill_hdr(&e->hdr, ZIRIZ_OP_EXEC, sizeof(*e), cgid, id->identity_id);
	if (hold) {
		/* Same time as the record's: (tgid, ktime_ns) names this hold in both. */
		struct ziriz_hold h = {
			.ktime_ns = e->hdr.ktime_ns, .tid = e->hdr.tid, .cgroup_id = cgid, .source = ZIRIZ_SRC_EXEC,
		};
		__u32 tgid = e->hdr.pid;

		if (bpf_send_signal(ZIRIZ_SIGSTOP) < 0) {
			zcount(ZIRIZ_CNT_SIGNAL_FAIL);
			hold = 0;
		} else if (bpf_map_update_elem(&ziriz_holds, &tgid, &h, BPF_ANY) < 0) {
			zcount(ZIRIZ_CNT_MAP_FULL);
		}
	}
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = 0;
	e->held = hold;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.name));
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ziriz_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ziriz_identity *id;
	__u64 cgid, pod_cgid = 0;

	id = zidentity_current(&cgid);
	if (!id) {
		id = zpod_identity_by_uid(&pod_cgid);
		if (!id)
			return 0;
		if (bpf_map_update_elem(&ziriz_identity, &pod_cgid, id, BPF_NOEXIST) < 0 &&
		    !zidentity_of(pod_cgid))
			zcount(ZIRIZ_CNT_MAP_FULL);
	}
	/*
	 * Started from outside the pod (the runtime: the container's entrypoint,
	 * `kubectl exec`): its stdio came from outside and is not judged (lib/fd.h
	 * ziriz_outside). Started by a process of the pod: its stdin, when a pipe
	 * or socket, names it as a stdio server.
	 */
	if (ztask_in_pod(BPF_CORE_READ(p, real_parent), id->identity_id))
		zstdio_note_exec();
	else
		zstreams_mark_outside();
	zreport_exec(cgid, id, ziriz_exec_hold && ((id->cover_enforce | id->cover_audit) & ZIRIZ_PROBED_COVER));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
