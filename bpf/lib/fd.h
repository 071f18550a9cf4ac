/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* File descriptors of the current task: is it a socket, and who is at the other end? (CO-RE walk of the fd table) */
#ifndef ZIRIZ_FD_H
#define ZIRIZ_FD_H

#include "common.h"

#define ZIRIZ_S_IFMT 00170000
#define ZIRIZ_S_IFSOCK 0140000
#define ZIRIZ_S_IFIFO 0010000
#define ZIRIZ_AF_UNIX 1
#define ZIRIZ_FMODE_READ 0x1
#define ZIRIZ_PIPEFS_MAGIC 0x50495045

/*
 * Line streams: every pipe, named FIFO and Unix stream socket a process of a
 * protected pod writes to carries calls (a stdio server's stdin, a shell
 * pipeline, an MCP server on a Unix socket of the pod) and is judged
 * (lib/call.h zjudge_lines), except the ones the pod was given from outside:
 * the stdin, stdout and stderr of a program the container runtime started
 * in the pod (the container's entrypoint, `kubectl exec`: pipes and sockets
 * the runtime's shim made, read outside the pod). Those are noted in
 * ziriz_outside when that program executes (tp_sched_exec: its parent is
 * outside the pod), and by the agent for programs that ran before it
 * (agent/outside-streams.ts). Marking is the exception, so a mark lost to
 * the map's LRU makes a stream judged, never unjudged; and a pipe made
 * before the pod was protected is judged like any other.
 *
 * Key: the inode number of the pipe (both ends share it) or Unix socket
 * (each end has its own), zpipe_ino for a named FIFO. Inode numbers of
 * pipes and sockets come from one counter (get_next_ino) and are not reused
 * as addresses are: a stale entry cannot name a later pipe.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_outside SEC(".maps");

/*
 * stdio servers: the line stream a process of a protected pod had as its
 * stdin (fd 0) when it executed from another process of the pod -> that
 * process (set at exec, tp_sched_exec): the record of a write into it names
 * the server. Same keys as ziriz_outside (for a Unix socket, the reader's
 * end, looked up from the writer's through its peer). A name lost to the
 * LRU only leaves the server unnamed.
 */
struct zstdio_child {
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct zstdio_child);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_stdio SEC(".maps");

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
 * The inode number of pipe `f` (pipe(2): pipefs), or for a named FIFO a key
 * of its file system and inode number with the top bit set (the inode
 * numbers of file systems could equal a pipe's; pipes and sockets share
 * one counter below 2^32, see ziriz_stdio).
 */
static __always_inline __u64 zpipe_ino(struct file *f)
{
	__u64 ino = BPF_CORE_READ(f, f_inode, i_ino);

	if (BPF_CORE_READ(f, f_inode, i_sb, s_magic) == ZIRIZ_PIPEFS_MAGIC)
		return ino;
	return (1ULL << 63) | ((ino ^ ((__u64)BPF_CORE_READ(f, f_inode, i_sb, s_dev) * 0x9E3779B97F4A7C15ULL)) >> 1);
}

/* The key of `f` in ziriz_stdio: its inode number for a pipe or a Unix socket (zpipe_ino for a FIFO); 0 otherwise. */
static __always_inline __u64 zstdio_key(struct file *f)
{
	__u16 mode;

	if (!f)
		return 0;
	mode = BPF_CORE_READ(f, f_inode, i_mode) & ZIRIZ_S_IFMT;
	if (mode == ZIRIZ_S_IFIFO)
		return zpipe_ino(f);
	if (mode == ZIRIZ_S_IFSOCK) {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;

		if (sk && BPF_CORE_READ(sk, __sk_common.skc_family) == ZIRIZ_AF_UNIX)
			return BPF_CORE_READ(f, f_inode, i_ino);
	}
	return 0;
}

/* The file's stdio-server name (the tgid reading it), or 0. */
static __always_inline __u32 zstdio_child_of(__u64 key)
{
	struct zstdio_child *c = key ? bpf_map_lookup_elem(&ziriz_stdio, &key) : NULL;

	return c ? c->tgid : 0;
}

static __always_inline int zstream_outside(__u64 key)
{
	return key && bpf_map_lookup_elem(&ziriz_outside, &key) != NULL;
}

/* At exec: remember the current task's stdin, when it is a pipe or Unix socket, as a stdio server's. */
static __always_inline void zstdio_note_exec(void)
{
	struct file *f = zfd_file(0);
	struct zstdio_child v = { .tgid = bpf_get_current_pid_tgid() >> 32 };
	__u64 key;

	/* Its reading end only (FMODE_READ): a stdin opened for writing is no one's input. */
	if (!f || !(BPF_CORE_READ(f, f_mode) & ZIRIZ_FMODE_READ))
		return;
	key = zstdio_key(f);
	if (key && bpf_map_update_elem(&ziriz_stdio, &key, &v, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
}

/* At exec of a program started from outside the pod: its stdin, stdout and stderr came from outside (ziriz_outside). */
static __always_inline void zstreams_mark_outside(void)
{
	__u8 one = 1;

	for (int fd = 0; fd < 3; fd++) {
		__u64 key = zstdio_key(zfd_file(fd));

		if (key && bpf_map_update_elem(&ziriz_outside, &key, &one, BPF_ANY) < 0)
			zcount(ZIRIZ_CNT_MAP_FULL);
	}
}

/* The inode number of the other end of Unix socket `sk` (the reader's key of a stream written here), or 0. */
static __always_inline __u64 zunix_peer_ino(struct sock *sk)
{
	struct sock *peer = sk ? BPF_CORE_READ((struct unix_sock *)sk, peer) : NULL;

	return peer ? BPF_CORE_READ(peer, sk_socket, file, f_inode, i_ino) : 0;
}

/*
 * Is the Unix stream socket `sk` (open as `f`) a line stream (not given
 * from outside: ziriz_outside), and which stdio server reads it (*child,
 * from its peer's entry; 0: none known)?
 */
static __always_inline int zunix_lines(struct file *f, struct sock *sk, __u32 *child)
{
	*child = zstdio_child_of(zunix_peer_ino(sk));
	return !zstream_outside(BPF_CORE_READ(f, f_inode, i_ino));
}

/*
 * The socket behind the open file `f` (a socket): its struct sock (as a
 * number: it names the connection, so that state kept for an fd is not
 * inherited by the next socket on that fd), whether it is a TCP stream (an
 * inet stream socket: HTTP's transport; Unix sockets carry stdio and are not
 * judged this way) and, for a Unix stream socket, whether it is a line
 * stream and the tgid of the stdio server at its other end (zunix_lines).
 * 0 when the file has no socket.
 */
static __always_inline int zsock_of_file(struct file *f, __u64 *sk, __u8 *stream, __u8 *lines, __u32 *child)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);
	__u16 fam;
	int is_stream;

	if (!sock)
		return 0;
	*sk = (__u64)BPF_CORE_READ(sock, sk);
	*stream = 0;
	if (lines)
		*lines = 0;
	if (!*sk)
		return 1;
	fam = BPF_CORE_READ((struct sock *)*sk, __sk_common.skc_family);
	is_stream = BPF_CORE_READ(sock, type) == ZIRIZ_SOCK_STREAM;
	*stream = is_stream && (fam == ZIRIZ_AF_INET || fam == ZIRIZ_AF_INET6);
	/* lines and child: NULL from zfd_sock (constant: no stack for them in its callers, whose stacks are tight on 6.1) */
	if (fam == ZIRIZ_AF_UNIX && is_stream && lines && child)
		*lines = zunix_lines(f, (struct sock *)*sk, child);
	return 1;
}

/* The socket behind `fd` (zsock_of_file); 0 when fd is not a socket. */
static __always_inline int zfd_sock(int fd, __u64 *sk, __u8 *stream)
{
	struct file *f = zfd_file(fd);

	return zfile_is_socket(f) && zsock_of_file(f, sk, stream, NULL, NULL);
}

/*
 * What a write to `fd` goes to, for the call probes: a socket
 * (zsock_of_file), or a pipe or named FIFO not given from outside
 * (ziriz_outside). Fills the stream's name `sk`, `stream`, `lines` (a pipe,
 * FIFO or Unix stream socket of the pod: lib/call.h zjudge_lines) and
 * `child`, the tgid of the stdio server reading it (0: none known). 0 for
 * anything else (files, the container's stdout).
 */
static __always_inline int zfd_link(int fd, __u64 *sk, __u8 *stream, __u8 *lines, __u32 *child)
{
	struct file *f = zfd_file(fd);
	__u16 mode;

	*child = 0;
	if (!f)
		return 0;
	mode = BPF_CORE_READ(f, f_inode, i_mode) & ZIRIZ_S_IFMT;
	if (mode == ZIRIZ_S_IFIFO) {
		__u64 key = zpipe_ino(f);

		/* Given from outside (the container's stdout): not judged. */
		if (!key || zstream_outside(key))
			return 0;
		*sk = key;
		*stream = 0;
		*lines = 1;
		*child = zstdio_child_of(key);
		return 1;
	}
	return mode == ZIRIZ_S_IFSOCK && zsock_of_file(f, sk, stream, lines, child);
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
