// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * uprobes on libc write(fd, buf, count), send/sendto(fd, buf, len, ...) and
 * writev(fd, iov, iovcnt) entry, for plaintext calls on sockets (an MCP server
 * reached without TLS, e.g. behind a mesh). Same judgement as the TLS probes
 * (lib/call.h); writes to anything but a socket return at once. Entry probes:
 * the process stops before the syscall, so a held call has not been sent.
 */
#include "common.h"
#include "data.h"
#include "call.h"
#include "fd.h"

#define ZIRIZ_IOV_MAX 4

static __always_inline __u64 zconn_fd(int fd)
{
	return (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)fd;
}

SEC("uprobe")
int BPF_KPROBE(ziriz_libc_write, int fd, const void *buf, __u64 count)
{
	if (!zfd_is_socket(fd))
		return 0;
	if (ziriz_capture_all)
		return zcapture(ZIRIZ_SRC_SYS_WRITE, zconn_fd(fd), buf, (__s64)count);
	return zcall_probe(ZIRIZ_SRC_SYS_WRITE, zconn_fd(fd), buf, (__s64)count);
}

SEC("uprobe")
int BPF_KPROBE(ziriz_libc_writev, int fd, const struct iovec *iov, int iovcnt)
{
	if (!zfd_is_socket(fd))
		return 0;
	for (int i = 0; i < ZIRIZ_IOV_MAX; i++) {
		struct iovec v;

		if (i >= iovcnt)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]) < 0)
			break;
		if (ziriz_capture_all)
			zcapture(ZIRIZ_SRC_SYS_WRITE, zconn_fd(fd), v.iov_base, (__s64)v.iov_len);
		else
			zcall_probe(ZIRIZ_SRC_SYS_WRITE, zconn_fd(fd), v.iov_base, (__s64)v.iov_len);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
