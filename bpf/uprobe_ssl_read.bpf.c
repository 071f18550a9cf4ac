// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Server side: calls a protected server receives from callers ziriz does not
 * protect, judged by the server pod's inbound rules (spec.inbound) at the
 * return of SSL_read / SSL_read_ex (the plaintext is in the server's buffer
 * and the server has not looked at it yet). Attached per process of a pod
 * with inbound rules (pid filter), never globally.
 *
 * Who sent it: a server reading through a memory BIO (Node.js) has no socket
 * behind its SSL*, so the caller is the socket this thread read last, noted
 * by entry probes on libc read/recv/recvfrom/recvmsg/readv (a socket BIO
 * server reads inside SSL_read: the same rule holds). The first time an SSL*
 * is seen (its handshake, which happens on the read of its own socket) it is
 * bound to that peer for the rest of the connection; SSL_free unbinds it.
 * A caller that cannot be named is treated as not protected: its calls are
 * judged (fail closed). Plaintext servers are judged at the return of their
 * socket reads (below). A caller that is a protected pod of this node and
 * enforces a category itself was judged before its call left it: that
 * category is not judged again, unless the connection is one of a process
 * ziriz cannot see (lib/blind.h: judged as from an unprotected caller).
 */
#include "common.h"
#include "data.h"
#include "call.h"
#include "fd.h"
#include "pod_ips.h"
#include "blind.h"
#include "goabi.h"

struct zread_args {
	__u64 ssl;
	__u64 buf;
	__u64 readbytes; /* SSL_read_ex: size_t *; 0 for SSL_read */
};

struct zssl_key {
	__u64 ssl;
	__u32 tgid;  /* SSL* values repeat across processes */
	__u32 pad;
};

/* tid -> the SSL_read in progress on that thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct zread_args);
} ziriz_recv_args SEC(".maps");

/* tid -> peer of the socket the thread read last. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct zpeer);
} ziriz_thread_peer SEC(".maps");

/* (tgid, SSL*) -> the connection's peer, bound at its first SSL_read. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct zssl_key);
	__type(value, struct zpeer);
} ziriz_ssl_peer SEC(".maps");

static __always_inline int zhas_inbound(struct ziriz_identity *id)
{
	return id && ((id->cover_enforce | id->cover_audit) >> ZIRIZ_INBOUND_SHIFT) & ZIRIZ_CALL_COVER;
}

static __always_inline int zcurrent_has_inbound(void)
{
	__u64 cgid;

	return zhas_inbound(zidentity_current(&cgid));
}

/*
 * A socket read: the peer of fd into p, remembered as the thread's last (it
 * names the caller of the SSL_read that follows). zfd_peer's result: 0, -1
 * (a socket, not inet: p stays unknown) or -2 (not a socket).
 */
static __always_inline int znote_peer(int fd, struct zpeer *p)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	int r = zfd_peer(fd, p->addr, &p->port, &p->family);

	if (r == 0)
		bpf_map_update_elem(&ziriz_thread_peer, &tid, p, BPF_ANY);
	return r;
}

/*
 * Plaintext just received by a process (`id`, `cgid`) with inbound rules,
 * from `peer` (NULL: unknown): judged by its inbound rules, less what a
 * protected caller enforces itself.
 */
static __always_inline int zjudge_received(__u8 source, const struct zconn_ref *c, __u64 buf, __s64 len, struct ziriz_identity *id,
					   __u64 cgid, const struct zpeer *peer)
{
	struct ziriz_identity *caller = NULL;
	struct zview vw;

	if (peer) {
		struct ziriz_ip_key k = { .family = peer->family };

		__builtin_memcpy(k.addr, peer->addr, sizeof(k.addr));
		caller = bpf_map_lookup_elem(&ziriz_pod_ips, &k);
		/* A protected pod's process ziriz cannot see: nothing judged its call on its side (D10). */
		if (caller && bpf_map_lookup_elem(&ziriz_blind_flows, peer))
			caller = NULL;
	}
	vw = zview_in(id, caller);
	if (!zcovered(&vw))
		return 0;
	return zcall_judge(source, c, (const void *)buf, len, id, cgid, &vw, peer);
}

SEC("uprobe")
int BPF_KPROBE(ziriz_recv_sock_read, int fd)
{
	struct zpeer p = {};

	if (zcurrent_has_inbound())
		znote_peer(fd, &p);
	return 0;
}

/*
 * Plaintext servers (an MCP server behind a mesh): libc read/recv/recvfrom
 * into `buf` on a socket, judged at return like SSL_read (the data is in the
 * server's buffer, not parsed yet). Attached instead of the note-only entry
 * probe when plaintext probes are on; on a TLS server it sees ciphertext,
 * which is never a call.
 */
struct zplain_args {
	__u64 buf;
	__u64 sk;
	__s32 fd;
	__u8 stream;
	__u8 pad[3];
	struct zpeer peer;  /* found at entry: the return does not walk the fd table again */
};

/* tid -> the socket read in progress. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct zplain_args);
} ziriz_plain_args SEC(".maps");

SEC("uprobe")
int BPF_KPROBE(ziriz_recv_plain_read, int fd, void *buf)
{
	struct zplain_args a = { .buf = (__u64)buf, .fd = fd };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!zcurrent_has_inbound() || znote_peer(fd, &a.peer) == -2 || !zfd_sock(fd, &a.sk, &a.stream))
		return 0;
	bpf_map_update_elem(&ziriz_plain_args, &tid, &a, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ziriz_recv_plain_read_ret, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct ziriz_identity *id;
	struct zplain_args a, *v;
	__u64 cgid;

	v = bpf_map_lookup_elem(&ziriz_plain_args, &tid);
	if (!v)
		return 0;
	a = *v;
	bpf_map_delete_elem(&ziriz_plain_args, &tid);
	if (ret <= 0 || !a.buf)
		return 0;
	id = zidentity_current(&cgid);
	if (!zhas_inbound(id))
		return 0;
	{
		struct zconn_ref c = { .conn = (pid_tgid & 0xffffffff00000000ULL) | (__u32)a.fd, .sk = a.sk, .strict = a.stream };

		return zjudge_received(ZIRIZ_SRC_SYS_READ, &c, a.buf, ret, id, cgid, a.peer.family ? &a.peer : NULL);
	}
}

static __always_inline int zread_enter(void *ssl, void *buf, void *readbytes)
{
	struct zread_args a = { .ssl = (__u64)ssl, .buf = (__u64)buf, .readbytes = (__u64)readbytes };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_update_elem(&ziriz_recv_args, &tid, &a, BPF_ANY);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ziriz_recv_ssl_read, void *ssl, void *buf, int num)
{
	return zread_enter(ssl, buf, NULL);
}

SEC("uprobe")
int BPF_KPROBE(ziriz_recv_ssl_read_ex, void *ssl, void *buf, __u64 num, void *readbytes)
{
	return zread_enter(ssl, buf, readbytes);
}

/* The connection's peer: bound already, or bound now to the thread's last socket read. */
static __always_inline struct zpeer *zconn_peer(__u64 ssl, __u32 tgid, __u32 tid)
{
	struct zssl_key k = { .ssl = ssl, .tgid = tgid };
	struct zpeer *p = bpf_map_lookup_elem(&ziriz_ssl_peer, &k);

	if (p)
		return p;
	p = bpf_map_lookup_elem(&ziriz_thread_peer, &tid);
	if (!p)
		return NULL;
	bpf_map_update_elem(&ziriz_ssl_peer, &k, p, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ziriz_ssl_peer, &k);
}

static __always_inline int zread_return(__s64 got)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct ziriz_identity *id;
	struct zread_args *a;
	struct zpeer *peer;
	__u64 ssl, buf, cgid;

	a = bpf_map_lookup_elem(&ziriz_recv_args, &tid);
	if (!a)
		return 0;
	ssl = a->ssl;
	buf = a->buf;
	if (a->readbytes && got == 1) {
		__u64 n = 0;

		got = bpf_probe_read_user(&n, sizeof(n), (void *)a->readbytes) < 0 ? 0 : (__s64)n;
	} else if (a->readbytes) {
		got = 0;
	}
	bpf_map_delete_elem(&ziriz_recv_args, &tid);
	id = zidentity_current(&cgid);
	if (!zhas_inbound(id))
		return 0;
	/* Every return binds: the handshake's SSL_read returns nothing and is the surest moment. */
	peer = zconn_peer(ssl, pid_tgid >> 32, tid);
	if (got <= 0 || !buf)
		return 0;
	{
		struct zconn_ref c = { .conn = ssl, .strict = 1 };

		return zjudge_received(ZIRIZ_SRC_SSL_READ, &c, buf, got, id, cgid, peer);
	}
}

SEC("uretprobe")
int BPF_KRETPROBE(ziriz_recv_ssl_read_ret, int ret)
{
	return zread_return(ret);
}

SEC("uretprobe")
int BPF_KRETPROBE(ziriz_recv_ssl_read_ex_ret, int ret)
{
	return zread_return(ret);
}

SEC("uprobe")
int BPF_KPROBE(ziriz_recv_ssl_free, void *ssl)
{
	struct zssl_key k = { .ssl = (__u64)ssl, .tgid = bpf_get_current_pid_tgid() >> 32 };

	bpf_map_delete_elem(&ziriz_ssl_peer, &k);
	zconn_forget((__u64)ssl);
	return 0;
}

/* close(fd) of a plaintext server: the connection's judged state goes with it (the next socket may get the fd). */
SEC("uprobe")
int BPF_KPROBE(ziriz_recv_close, int fd)
{
	zconn_forget((bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)fd);
	return 0;
}

/*
 * Go servers: crypto/tls.(*Conn).Read(b []byte) is judged at its return
 * instructions (the agent finds them; a uretprobe would corrupt Go's stack),
 * its arguments kept from its entry by goroutine (a goroutine blocked in a
 * read resumes on another thread). Go reads its sockets without libc: the
 * caller is the socket the goroutine read last in internal/poll.(*FD).Read,
 * bound to the connection as for OpenSSL. With plaintext probes on, what
 * FD.Read returns is judged like libc's read (plaintext servers).
 *
 * Not LRU: an entry evicted while its goroutine waits in the read would let
 * that read return unjudged. Entries are removed at the return; the agent
 * removes those of processes that are gone. A full map is counted (MAP_FULL).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct zgo_key);
	__type(value, struct zread_args);
} ziriz_go_tls_reads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct zgo_key);
	__type(value, struct zplain_args);
} ziriz_go_fd_reads SEC(".maps");

/* (tgid, g) -> peer of the socket the goroutine read last. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct zgo_key);
	__type(value, struct zpeer);
} ziriz_go_peer SEC(".maps");

static __always_inline void zgo_note(void *map, const struct zgo_key *k, const void *v)
{
	if (bpf_map_update_elem(map, k, v, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
}

/* internal/poll.(*FD).Read entry: note the peer; `judge`: keep the read for its return (plaintext probes on). */
static __always_inline int zgo_fd_read(struct pt_regs *ctx, int judge)
{
	struct zgo_key k = zgo_key_of(ctx);
	struct zplain_args a = { .buf = ZGO_ARG2(ctx) };
	int r;

	if (!zcurrent_has_inbound())
		return 0;
	a.fd = zgo_sysfd(ZGO_ARG1(ctx));
	if (a.fd < 0)
		return 0;
	r = zfd_peer(a.fd, a.peer.addr, &a.peer.port, &a.peer.family);
	if (r == 0)
		bpf_map_update_elem(&ziriz_go_peer, &k, &a.peer, BPF_ANY);
	if (!judge || r == -2 || !zfd_sock(a.fd, &a.sk, &a.stream))
		return 0;
	zgo_note(&ziriz_go_fd_reads, &k, &a);
	return 0;
}

SEC("uprobe")
int ziriz_recv_go_fd_peer(struct pt_regs *ctx)
{
	return zgo_fd_read(ctx, 0);
}

SEC("uprobe")
int ziriz_recv_go_fd_read(struct pt_regs *ctx)
{
	return zgo_fd_read(ctx, 1);
}

/* The read being judged, off the stack (the return probe's call chain is within 32 bytes of 6.1's 512). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zplain_args);
} ziriz_go_fd_read_scratch SEC(".maps");

/* At each return instruction of internal/poll.(*FD).Read (plaintext probes on). */
SEC("uprobe")
int ziriz_recv_go_fd_read_ret(struct pt_regs *ctx)
{
	struct zgo_key k = zgo_key_of(ctx);
	__s64 got = (__s64)ZGO_RET1(ctx);
	struct ziriz_identity *id;
	struct zplain_args *a, *v;
	__u32 zero = 0;
	__u64 cgid;

	v = bpf_map_lookup_elem(&ziriz_go_fd_reads, &k);
	a = bpf_map_lookup_elem(&ziriz_go_fd_read_scratch, &zero);
	if (!v || !a)
		return 0;
	*a = *v;
	bpf_map_delete_elem(&ziriz_go_fd_reads, &k);
	if (got <= 0 || !a->buf)
		return 0;
	id = zidentity_current(&cgid);
	if (!zhas_inbound(id))
		return 0;
	{
		struct zconn_ref c = { .conn = ((__u64)k.tgid << 32) | (__u32)a->fd, .sk = a->sk, .strict = a->stream };

		return zjudge_received(ZIRIZ_SRC_SYS_READ, &c, a->buf, got, id, cgid, a->peer.family ? &a->peer : NULL);
	}
}

SEC("uprobe")
int ziriz_recv_go_tls_read(struct pt_regs *ctx)
{
	struct zgo_key k = zgo_key_of(ctx);
	struct zread_args a = { .ssl = ZGO_ARG1(ctx), .buf = ZGO_ARG2(ctx) };

	if (zcurrent_has_inbound())
		zgo_note(&ziriz_go_tls_reads, &k, &a);
	return 0;
}

/* At each return instruction of crypto/tls.(*Conn).Read. */
SEC("uprobe")
int ziriz_recv_go_tls_read_ret(struct pt_regs *ctx)
{
	struct zgo_key k = zgo_key_of(ctx);
	__s64 got = (__s64)ZGO_RET1(ctx);
	struct zssl_key sk = { .tgid = k.tgid };
	struct ziriz_identity *id;
	struct zread_args *a;
	struct zpeer *peer;
	__u64 conn, buf, cgid;

	a = bpf_map_lookup_elem(&ziriz_go_tls_reads, &k);
	if (!a)
		return 0;
	conn = a->ssl;
	buf = a->buf;
	bpf_map_delete_elem(&ziriz_go_tls_reads, &k);
	id = zidentity_current(&cgid);
	if (!zhas_inbound(id))
		return 0;
	/* The connection's peer: bound already, or bound now to the goroutine's last socket read (its handshake's). */
	sk.ssl = conn;
	peer = bpf_map_lookup_elem(&ziriz_ssl_peer, &sk);
	if (!peer) {
		struct zpeer *last = bpf_map_lookup_elem(&ziriz_go_peer, &k);

		if (last) {
			bpf_map_update_elem(&ziriz_ssl_peer, &sk, last, BPF_NOEXIST);
			peer = bpf_map_lookup_elem(&ziriz_ssl_peer, &sk);
		}
	}
	if (got <= 0 || !buf)
		return 0;
	{
		struct zconn_ref c = { .conn = conn, .strict = 1 };

		return zjudge_received(ZIRIZ_SRC_GO_TLS_READ, &c, buf, got, id, cgid, peer);
	}
}

SEC("uprobe")
int ziriz_recv_go_tls_close(struct pt_regs *ctx)
{
	struct zssl_key k = { .ssl = ZGO_ARG1(ctx), .tgid = bpf_get_current_pid_tgid() >> 32 };

	bpf_map_delete_elem(&ziriz_ssl_peer, &k);
	zconn_forget(k.ssl);
	return 0;
}

SEC("uprobe")
int ziriz_recv_go_fd_close(struct pt_regs *ctx)
{
	return zgo_fd_forget(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
