// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * uprobes on SSL_write(SSL *ssl, const void *buf, int num) and
 * SSL_write_ex(SSL *ssl, const void *buf, size_t num, size_t *written) entry,
 * in libssl or in a binary that exports OpenSSL/BoringSSL (Node.js). At entry
 * the buffer is still plaintext: the cheapest point to judge (one probe hit
 * per call) and to stop a forbidden call before it is encrypted (lib/call.h).
 * Attached per process of a protected pod (pid filter), never globally.
 */
#include "common.h"
#include "data.h"
#include "call.h"
#include "goabi.h"

static __always_inline int zssl_write(__u8 source, void *ssl, const void *buf, __s64 num)
{
	struct zconn_ref c = { .conn = (__u64)ssl, .strict = 1 };

	if (ziriz_capture_all)
		return zcapture(source, (__u64)ssl, buf, num);
	return zcall_probe(source, &c, buf, num);
}

SEC("uprobe")
int BPF_KPROBE(ziriz_ssl_write, void *ssl, const void *buf, int num)
{
	return zssl_write(ZIRIZ_SRC_SSL_WRITE, ssl, buf, num);
}

SEC("uprobe")
int BPF_KPROBE(ziriz_ssl_write_ex, void *ssl, const void *buf, __u64 num)
{
	return zssl_write(ZIRIZ_SRC_SSL_WRITE, ssl, buf, (__s64)num);
}

/* SSL_free: the connection's judged state goes with it (an SSL* is reused by the next connection). */
SEC("uprobe")
int BPF_KPROBE(ziriz_ssl_free, void *ssl)
{
	zconn_forget((__u64)ssl);
	return 0;
}

/*
 * Go: crypto/tls.(*Conn).Write(b []byte) entry, in a Go program's own code
 * (found by the agent in its symbol table or .gopclntab): the receiver is the
 * connection (Go's heap does not move it), b the plaintext. Close forgets it.
 */
SEC("uprobe")
int ziriz_ssl_go_write(struct pt_regs *ctx)
{
	return zssl_write(ZIRIZ_SRC_GO_TLS_WRITE, (void *)ZGO_ARG1(ctx), (const void *)ZGO_ARG2(ctx), (__s64)ZGO_ARG3(ctx));
}

SEC("uprobe")
int ziriz_ssl_go_close(struct pt_regs *ctx)
{
	zconn_forget(ZGO_ARG1(ctx));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
