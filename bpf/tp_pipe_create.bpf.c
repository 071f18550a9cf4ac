// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pipe()/pipe2() by a process of a protected pod: the new pipe links
 * processes of the pod (a stdio server's stdin, a shell pipeline), and what
 * is written into it is judged like a Unix socket write (lib/fd.h
 * ziriz_stdio; the libc and Go write probes). The container's stdout and
 * stderr are pipes made outside the pod (by the runtime's shim): never
 * registered, never judged. The pipe is registered when pipe() returns, so
 * bytes written before a child is started are judged too; the child that
 * executes with it as its stdin names it (tp_sched_exec.bpf.c).
 *
 * syscalls tracepoints: the user array the descriptors go to is noted per
 * thread at entry and read at exit. A pipe made before the pod was protected
 * is not registered (it is judged once a child executes with it as stdin).
 */
#include "common.h"
#include "identity.h"
#include "fd.h"

/* thread -> the int[2] the descriptors are written to (only threads of protected pods). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} ziriz_pipe_args SEC(".maps");

static __always_inline int zpipe_enter(__u64 fildes)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 cgid;

	if (!fildes || !zidentity_current(&cgid))
		return 0;
	if (bpf_map_update_elem(&ziriz_pipe_args, &tid, &fildes, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
	return 0;
}

static __always_inline int zpipe_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *fildes = bpf_map_lookup_elem(&ziriz_pipe_args, &tid);
	struct zstdio_child none = {};
	int fds[2];
	__u64 key;

	if (!fildes)
		return 0;
	if (ret == 0 && bpf_probe_read_user(fds, sizeof(fds), (const void *)*fildes) == 0) {
		key = zstdio_key(zfd_file(fds[1]));
		/* NOEXIST: an inode already named by a child's exec keeps its name. */
		if (key && bpf_map_update_elem(&ziriz_stdio, &key, &none, BPF_NOEXIST) < 0 &&
		    !bpf_map_lookup_elem(&ziriz_stdio, &key))
			zcount(ZIRIZ_CNT_MAP_FULL);
	}
	bpf_map_delete_elem(&ziriz_pipe_args, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pipe2")
int ziriz_pipe2_enter(struct trace_event_raw_sys_enter *ctx)
{
	return zpipe_enter((__u64)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_pipe2")
int ziriz_pipe2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return zpipe_exit(ctx->ret);
}

/* pipe(2) proper: x86-64's glibc pipe() and shells use it (arm64 has pipe2 only). */
SEC("tracepoint/syscalls/sys_enter_pipe")
int ziriz_pipe_enter(struct trace_event_raw_sys_enter *ctx)
{
	return zpipe_enter((__u64)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_pipe")
int ziriz_pipe_exit(struct trace_event_raw_sys_exit *ctx)
{
	return zpipe_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
