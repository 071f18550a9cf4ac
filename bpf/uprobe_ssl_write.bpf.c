// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * uprobe on SSL_write(SSL *ssl, const void *buf, int num) entry, in libssl or in
 * a binary that exports OpenSSL (Node.js). At entry the buffer is still
 * plaintext: the cheapest point to see (and later stop) what a protected
 * process sends. Attached per process (pid filter) by the agent, never globally.
 */
#include "common.h"
#include "data.h"

SEC("uprobe")
int BPF_KPROBE(ziriz_ssl_write, void *ssl, const void *buf, int num)
{
	return zcapture(ZIRIZ_SRC_SSL_WRITE, (__u64)ssl, buf, num);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
