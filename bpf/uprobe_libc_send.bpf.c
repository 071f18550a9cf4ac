// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * uprobes on libc write(fd, buf, count), send/sendto(fd, buf, len, ...) and
 * writev(fd, iov, iovcnt) entry, for plaintext calls on sockets (an MCP server
 * reached without TLS, e.g. behind a mesh) and on the stdin of a stdio server
 * the pod started (a pipe or socket pair: lib/fd.h). Same judgement as the TLS
 * probes (lib/call.h); writes to anything else return at once. Entry probes:
 * the process stops before the syscall, so a held call has not been sent.
 *
 * writev is one write: its iovecs are judged in order, each continuing the
 * one before (a head, then its body); when one is not certain, the whole
 * writev is held once (source SYS_WRITEV: buf is the iovec array, len the
 * number of iovecs) and the agent judges the iovecs together. More iovecs
 * than the kernel walks: held the same way.
 */
#include "common.h"
#include "data.h"
#include "call.h"
#include "fd.h"
#include "goabi.h"

#define ZIRIZ_IOV_MAX 4

/* The stream a write to `fd` goes to: a socket, or a pipe of the pod (lib/fd.h; c->child: the stdio server reading it). */
static __always_inline int zsock_ref(int fd, struct zconn_ref *c)
{
	c->conn = (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)fd;
	return zfd_link(fd, &c->sk, &c->strict, &c->lines, &c->child);
}

static __always_inline int zsock_write(int fd, const void *buf, __u64 count)
{
	struct zconn_ref c = {};

	if (!zsock_ref(fd, &c))
		return 0;
	if (ziriz_capture_all)
		return zcapture(ZIRIZ_SRC_SYS_WRITE, c.conn, buf, (__s64)count);
	return zcall_probe(ZIRIZ_SRC_SYS_WRITE, &c, buf, (__s64)count);
}

SEC("uprobe")
int BPF_KPROBE(ziriz_libc_write, int fd, const void *buf, __u64 count)
{
	return zsock_write(fd, buf, count);
}

/*
 * Go makes its system calls without libc: internal/poll.(*FD).Write(p []byte)
 * is where every Go socket write starts (net.Conn.Write), judged like libc's
 * write (the receiver names the descriptor). Its Close forgets the connection.
 */
SEC("uprobe")
int ziriz_libc_go_fd_write(struct pt_regs *ctx)
{
	int fd = zgo_sysfd(ZGO_ARG1(ctx));

	return fd < 0 ? 0 : zsock_write(fd, (const void *)ZGO_ARG2(ctx), ZGO_ARG3(ctx));
}

SEC("uprobe")
int ziriz_libc_go_fd_close(struct pt_regs *ctx)
{
	return zgo_fd_forget(ctx);
}

SEC("uprobe")
int BPF_KPROBE(ziriz_libc_writev, int fd, const struct iovec *iov, int iovcnt)
{
	struct ziriz_identity *id;
	struct zconn_ref c = {};
	struct zjudge_req *rq;
	struct zview vw;
	__u64 cgid;

	if (!zsock_ref(fd, &c) || iovcnt <= 0)
		return 0;
	if (ziriz_capture_all) {
		for (int i = 0; i < ZIRIZ_IOV_MAX; i++) {
			struct iovec v;

			if (i >= iovcnt || bpf_probe_read_user(&v, sizeof(v), &iov[i]) < 0)
				break;
			zcapture(ZIRIZ_SRC_SYS_WRITE, c.conn, v.iov_base, (__s64)v.iov_len);
		}
		return 0;
	}
	id = zcall_sender(&cgid, &vw);
	if (!id)
		return 0;
	if (iovcnt == 1) {
		struct iovec v;

		if (bpf_probe_read_user(&v, sizeof(v), &iov[0]) < 0)
			return 0;
		return zcall_judge(ZIRIZ_SRC_SYS_WRITE, &c, v.iov_base, (__s64)v.iov_len, id, cgid, &vw, NULL);
	}
	/* Streams: one hold for the whole writev when any iovec is uncertain (a message may span iovecs). */
	if ((c.strict || c.lines) && vw.cover_enforce) {
		int hold = iovcnt > ZIRIZ_IOV_MAX;

		for (int i = 0; i < ZIRIZ_IOV_MAX && !hold; i++) {
			struct iovec v;

			if (i >= iovcnt)
				break;
			if (bpf_probe_read_user(&v, sizeof(v), &iov[i]) < 0) {
				hold = 1;
				break;
			}
			if (!v.iov_len)
				continue;
			if (!zcall_request(ZIRIZ_SRC_SYS_WRITE, &c, v.iov_base, (__s64)v.iov_len, id, cgid, &vw, NULL))
				return 0;
			hold = zjudge_pending(0, 1);
		}
		if (!hold)
			return 0;
		/* One hold for the whole writev: the agent reads every iovec. */
		rq = zcall_request(ZIRIZ_SRC_SYS_WRITEV, &c, iov, iovcnt, id, cgid, &vw, NULL);
		if (!rq)
			return 0;
		rq->force = ZIRIZ_WHY_FRAMING;
		zconn_forget(c.conn);
		return zjudge_pending(0, 0);
	}
	/* Datagrams, or Audit only: each iovec judged on its own, as far as the kernel walks. */
	for (int i = 0; i < ZIRIZ_IOV_MAX; i++) {
		struct iovec v;

		if (i >= iovcnt || bpf_probe_read_user(&v, sizeof(v), &iov[i]) < 0)
			break;
		zcall_judge(ZIRIZ_SRC_SYS_WRITE, &c, v.iov_base, (__s64)v.iov_len, id, cgid, &vw, NULL);
	}
	return 0;
}

/* close(fd): the connection's judged state and hold flag go with it. */
SEC("uprobe")
int BPF_KPROBE(ziriz_libc_close, int fd)
{
	zconn_forget((bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)fd);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
