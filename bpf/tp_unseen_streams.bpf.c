// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Line streams (pipes, FIFOs, Unix stream sockets of a protected pod: lib/fd.h)
 * written where no probe sees: by a process ziriz cannot see (ziriz_blind: a
 * static program, a TLS stack it does not probe), or by any process of a
 * protected pod through splice(2), vmsplice(2), tee(2) or sendfile(2), which
 * no write probe is on. Such a write marks its stream (the reading end's key)
 * with the writer's pod; what is then read from the stream is judged by that
 * pod's rules, in the reader's buffer, at the return of read(2)/recvfrom(2):
 * the reader (a stdio server, say) is stopped before it returns to user space
 * and so before it parses a byte (a hold, like a write's), and the agent
 * neutralises a denied call there. Without this, a static MCP client writing
 * calls into a stdio server's stdin passed unjudged (the visibility gate
 * refuses such programs' TCP connections, not their pipe writes).
 *
 * syscalls tracepoints. Cost on a node with no unseen writer: one global load
 * per read. Not covered: readv(2)/recvmsg(2) readers (Node, Python and Go
 * read stdio and sockets with read(2) or recv), io_uring.
 */
#include "common.h"
#include "data.h"
#include "call.h"
#include "fd.h"
#include "blind.h"

/* A stream written unseen: the writer's pod (its rules judge what is read). */
struct zunseen_mark {
	struct ziriz_identity id;
	__u64 cgid;
};

/* The reading end's key (lib/fd.h) -> the last unseen writer's pod. LRU: a mark lost makes the next unseen write mark it again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct zunseen_mark);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_unseen_streams SEC(".maps");

/* Set at the first mark: until then a read costs one load. */
volatile __u8 ziriz_unseen_any = 0;

/* A read in progress on a marked stream. */
struct zunseen_read {
	__u64 buf;
	__u64 key;
	__s32 fd;
	__u32 pad;
	struct zunseen_mark mark;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct zunseen_read);
} ziriz_unseen_reads SEC(".maps");

/* The key a reader of `f` looks its stream up by: a pipe's or FIFO's own, a Unix stream socket's peer's; 0 for other files and outside streams. */
static __always_inline __u64 zline_reader_key(struct file *f)
{
	__u64 key = zstdio_key(f);
	struct socket *sock;

	if (!key || zstream_outside(key))
		return 0;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & ZIRIZ_S_IFMT) == ZIRIZ_S_IFIFO)
		return key;
	sock = BPF_CORE_READ(f, private_data);
	if (!sock || BPF_CORE_READ(sock, type) != ZIRIZ_SOCK_STREAM)
		return 0;
	return zunix_peer_ino(BPF_CORE_READ(sock, sk));
}

/* Mark the stream behind `fd` as written unseen by the current process of a protected pod (`blind_only`: only when it is in ziriz_blind). */
static __always_inline int zmark_unseen(int fd, int blind_only)
{
	struct zunseen_mark m = {};
	struct ziriz_identity *id;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 key;

	if (blind_only && !bpf_map_lookup_elem(&ziriz_blind, &tgid))
		return 0;
	id = zidentity_current(&m.cgid);
	if (!id)
		return 0;
	key = zline_reader_key(zfd_file(fd));
	if (!key)
		return 0;
	m.id = *id;
	if (bpf_map_update_elem(&ziriz_unseen_streams, &key, &m, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
	ziriz_unseen_any = 1;
	return 0;
}

/* A mark program on syscall `sc`, whose argument `arg` is the descriptor written to (`blind_only`: see zmark_unseen). */
#define ZUNSEEN_MARK(name, sc, arg, blind_only)				\
	SEC("tracepoint/syscalls/sys_enter_" #sc)			\
	int name(struct trace_event_raw_sys_enter *ctx)			\
	{								\
		return zmark_unseen((int)ctx->args[arg], blind_only);	\
	}

/* Written by a process ziriz cannot see. */
ZUNSEEN_MARK(ziriz_unseen_write, write, 0, 1)
ZUNSEEN_MARK(ziriz_unseen_writev, writev, 0, 1)
ZUNSEEN_MARK(ziriz_unseen_sendto, sendto, 0, 1)
ZUNSEEN_MARK(ziriz_unseen_sendmsg, sendmsg, 0, 1)
/* No probe is on these, whoever calls them: splice(fd_in, off_in, fd_out, ...), vmsplice(fd, ...), tee(fd_in, fd_out, ...), sendfile(out_fd, in_fd, ...). */
ZUNSEEN_MARK(ziriz_unseen_splice, splice, 2, 0)
ZUNSEEN_MARK(ziriz_unseen_vmsplice, vmsplice, 0, 0)
ZUNSEEN_MARK(ziriz_unseen_tee, tee, 1, 0)
ZUNSEEN_MARK(ziriz_unseen_sendfile, sendfile64, 0, 0)

/* A read (read, recvfrom) into `buf` from `fd`: noted when its stream is marked. */
static __always_inline int zunseen_read_enter(int fd, __u64 buf)
{
	struct zunseen_read r = { .buf = buf, .fd = fd };
	struct zunseen_mark *m;
	__u32 tid;

	if (!ziriz_unseen_any || !buf)
		return 0;
	r.key = zstdio_key(zfd_file(fd));
	m = r.key ? bpf_map_lookup_elem(&ziriz_unseen_streams, &r.key) : NULL;
	if (!m)
		return 0;
	r.mark = *m;
	tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&ziriz_unseen_reads, &tid, &r, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
	return 0;
}

/* The bytes just read, judged by the writer's pod's outbound rules; the reader named as the stdio server. */
static __always_inline int zunseen_read_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct zunseen_read *v = bpf_map_lookup_elem(&ziriz_unseen_reads, &tid);
	struct zconn_ref c = { .lines = 1 };
	struct zunseen_read r;
	struct zview vw;

	if (!v)
		return 0;
	r = *v;
	bpf_map_delete_elem(&ziriz_unseen_reads, &tid);
	if (ret <= 0)
		return 0;
	vw = zview_out(&r.mark.id);
	if (!zcovered(&vw))
		return 0;
	c.conn = (pid_tgid & 0xffffffff00000000ULL) | (__u32)r.fd;
	c.sk = r.key;
	c.child = pid_tgid >> 32;
	return zcall_judge(ZIRIZ_SRC_UNSEEN_READ, &c, (const void *)r.buf, ret, &r.mark.id, r.mark.cgid, &vw, NULL);
}

/*
 * read(fd, buf, count) and recvfrom(fd, buf, len, ...) have the same first
 * arguments: one program each for entry and exit, attached by the agent to
 * both system calls (node-agent/src/bpf/programs.ts `alsoAt`), so the judge
 * is loaded once.
 */
SEC("tracepoint/syscalls/sys_enter_read")
int ziriz_unseen_read_enter(struct trace_event_raw_sys_enter *ctx)
{
	return zunseen_read_enter((int)ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_read")
int ziriz_unseen_read_exit(struct trace_event_raw_sys_exit *ctx)
{
	return zunseen_read_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
