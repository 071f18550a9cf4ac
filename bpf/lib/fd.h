/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* File descriptors of the current task: is it a socket, and who is at the other end? (CO-RE walk of the fd table) */
#ifndef ZIRIZ_FD_H
#define ZIRIZ_FD_H

#include "common.h"

#define ZIRIZ_S_IFMT 00170000
#define ZIRIZ_S_IFSOCK 0140000

/* The open file behind `fd` of the current task, or NULL. */
static __always_inline struct file *zfd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds;
	struct file *f = NULL;
	unsigned int max;

	if (fd < 0)
		return NULL;
	max = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((unsigned int)fd >= max)
		return NULL;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0)
		return NULL;
	return f;
}

static __always_inline int zfile_is_socket(struct file *f)
{
	return f && (BPF_CORE_READ(f, f_inode, i_mode) & ZIRIZ_S_IFMT) == ZIRIZ_S_IFSOCK;
}

static __always_inline int zfd_is_socket(int fd)
{
	return zfile_is_socket(zfd_file(fd));
}

#define ZIRIZ_SOCK_STREAM 1

/*
 * The socket behind `fd`: its struct sock (as a number: it names the
 * connection, so that state kept for an fd is not inherited by the next
 * socket on that fd) and whether it is a TCP stream (an inet stream socket:
 * HTTP's transport; Unix sockets carry stdio and are not judged this way).
 * 0 when fd is not a socket.
 */
static __always_inline int zfd_sock(int fd, __u64 *sk, __u8 *stream)
{
	struct file *f = zfd_file(fd);
	struct socket *sock;

	if (!zfile_is_socket(f))
		return 0;
	sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return 0;
	*sk = (__u64)BPF_CORE_READ(sock, sk);
	*stream = 0;
	if (BPF_CORE_READ(sock, type) == ZIRIZ_SOCK_STREAM && *sk) {
		__u16 fam = BPF_CORE_READ((struct sock *)*sk, __sk_common.skc_family);

		*stream = fam == ZIRIZ_AF_INET || fam == ZIRIZ_AF_INET6;
	}
	return 1;
}

/*
 * The remote end of the TCP/UDP socket behind `fd`: family (AF_INET or
 * AF_INET6; an IPv4-mapped IPv6 peer is given as AF_INET), address (IPv4 in
 * the first 4 bytes) and port. Returns 0 on success, -2 when fd is not a
 * socket, -1 for a socket that is not an inet socket.
 */
static __always_inline int zfd_peer(int fd, __u8 addr[16], __u16 *port, __u8 *family)
{
	struct file *f = zfd_file(fd);
	struct socket *sock;
	struct sock *sk;
	__u16 fam;

	if (!zfile_is_socket(f))
		return -2;
	sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return -1;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return -1;
	fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	*port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	__builtin_memset(addr, 0, 16);
	if (fam == ZIRIZ_AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(addr, &a, 4);
		*family = ZIRIZ_AF_INET;
		return 0;
	}
	if (fam != ZIRIZ_AF_INET6)
		return -1;
	{
		/* All 16 bytes: BPF_CORE_READ_INTO reads sizeof(*dst), one byte through a plain __u8 *. */
		__u8 (*a16)[16] = (__u8 (*)[16])addr;

		BPF_CORE_READ_INTO(a16, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	if (((__u32 *)addr)[0] == 0 && ((__u32 *)addr)[1] == 0 && ((__u32 *)addr)[2] == bpf_htonl(0xffff)) {
		__u32 a = ((__u32 *)addr)[3];

		__builtin_memset(addr, 0, 16);
		__builtin_memcpy(addr, &a, 4);
		*family = ZIRIZ_AF_INET;
		return 0;
	}
	*family = ZIRIZ_AF_INET6;
	return 0;
}

#endif /* ZIRIZ_FD_H */
