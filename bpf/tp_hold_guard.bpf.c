// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * signal_generate: a SIGCONT to a process a call probe holds (ziriz_holds,
 * count > 0) that the agent has not released (it deletes the entry before
 * its own SIGCONT) is someone else undoing the hold: a sibling in the pod, a
 * tracer. The woken process is killed before it returns to user code
 * (bpf_send_signal_task, 6.13+: the SIGKILL is queued while the woken thread
 * still waits for the signal lock). Without that kfunc the sender is killed
 * instead and the agent, which checks the held thread is still stopped,
 * kills the escaped process (HoldEscaped): detection, not prevention.
 */
#include "common.h"
#include "holds.h"

#define ZIRIZ_SIGKILL 9
#define ZIRIZ_SIGCONT 18

extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type, __u64 value) __ksym __weak;

SEC("tp_btf/signal_generate")
int BPF_PROG(ziriz_hold_guard, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	struct ziriz_hold *h;
	__u32 tgid;

	if (sig != ZIRIZ_SIGCONT || !task)
		return 0;
	tgid = task->tgid;
	h = bpf_map_lookup_elem(&ziriz_holds, &tgid);
	if (!h || h->count == 0 || h->source == ZIRIZ_SRC_EXEC)
		return 0;
	zcount(ZIRIZ_CNT_HOLD_ESCAPE);
	if (bpf_send_signal_task)
		bpf_send_signal_task(task, ZIRIZ_SIGKILL, PIDTYPE_TGID, 0);
	else
		bpf_send_signal(ZIRIZ_SIGKILL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
