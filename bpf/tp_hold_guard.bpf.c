// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * signal_generate: a SIGCONT to a process a call probe holds (ziriz_holds,
 * count > 0), or that is held at exec until its probes are on, that the
 * agent has not released (it deletes the entry before its own SIGCONT) is
 * someone else undoing the hold: a sibling in the pod, a tracer. This runs while the sender holds the signal lock, before any woken
 * thread can return to user code, and
 *  - marks the process as escaped (lib/escape.h): from now on its next call
 *    probe kills it before the send (a TLS call resumed from SSL_write dies
 *    at its ciphertext write), and the packets of the plaintext connections
 *    it had held are dropped at cgroup egress (cgroup_skb_escape.bpf.c);
 *  - kills it (bpf_send_signal_task, 6.13+; the SIGKILL is queued through
 *    irq_work, so a woken thread may run a little first: the marks above are
 *    what keep its bytes in). Without that kfunc the sender is killed, and the
 *    agent, which checks the held thread is still stopped, kills the escaped
 *    process (HoldEscaped).
 */
#include "common.h"
#include "holds.h"
#include "escape.h"

#define ZIRIZ_SIGCONT 18

extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type, __u64 value) __ksym __weak;

SEC("tp_btf/signal_generate")
int BPF_PROG(ziriz_hold_guard, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	struct ziriz_hold *h;
	__u32 tgid, zero = 0;
	__u64 start, now;

	if (sig != ZIRIZ_SIGCONT || !task)
		return 0;
	tgid = task->tgid;
	h = bpf_map_lookup_elem(&ziriz_holds, &tgid);
	/* A call hold counts its held threads; a program held at exec (no probes on it yet) has count 0. */
	if (!h || (h->count == 0 && h->source != ZIRIZ_SRC_EXEC))
		return 0;
	zcount(ZIRIZ_CNT_HOLD_ESCAPE);
	start = zprocess_start(task);
	if (bpf_map_update_elem(&ziriz_escaped_procs, &tgid, &start, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&ziriz_escape_last, &zero, &now, BPF_ANY);
	if (bpf_send_signal_task)
		bpf_send_signal_task(task, ZIRIZ_SIGKILL, PIDTYPE_TGID, 0);
	else
		bpf_send_signal(ZIRIZ_SIGKILL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
