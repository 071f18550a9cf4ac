// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Feature probe (node-agent probe): one trivial program per program type and
 * helper ziriz depends on. The agent loads them one at a time (autoload off for
 * the rest) and records which the kernel accepts; nothing here is attached in
 * production, so the helper calls below never run: they are here so the
 * verifier checks that the kernel offers them to this program type.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Its own, unpinned ring: probing must not touch the agent's pinned maps. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} probe_ring SEC(".maps");

SEC("uprobe")
int probe_uprobe(struct pt_regs *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int probe_raw_tp(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_tp_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return 0;
}

SEC("cgroup/connect4")
int probe_cgroup_sock_addr(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup_skb/egress")
int probe_cgroup_skb(struct __sk_buff *skb)
{
	return 1;
}

SEC("tc")
int probe_tc(struct __sk_buff *skb)
{
	return 0;
}

SEC("xdp")
int probe_xdp(struct xdp_md *ctx)
{
	return 2; /* XDP_PASS */
}

SEC("lsm/file_open")
int BPF_PROG(probe_lsm, struct file *file, int ret)
{
	return ret;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(probe_fentry)
{
	return 0;
}

SEC("uprobe")
int probe_send_signal(struct pt_regs *ctx)
{
	bpf_send_signal(19 /* SIGSTOP */);
	return 0;
}

SEC("uprobe")
int probe_write_user(struct pt_regs *ctx)
{
	char c = 0;

	bpf_probe_write_user((void *)PT_REGS_PARM1(ctx), &c, 1);
	return 0;
}

SEC("uprobe")
int probe_ringbuf(struct pt_regs *ctx)
{
	__u64 *e = bpf_ringbuf_reserve(&probe_ring, sizeof(*e), 0);

	if (e)
		bpf_ringbuf_discard(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
