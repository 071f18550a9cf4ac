// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * uprobe on gnutls_record_send(gnutls_session_t session, const void *data,
 * size_t size) entry: the GnuTLS counterpart of SSL_write (lib/call.h).
 */
#include "common.h"
#include "data.h"
#include "call.h"

SEC("uprobe")
int BPF_KPROBE(ziriz_gnutls_send, void *session, const void *data, __u64 size)
{
	struct zconn_ref c = { .conn = (__u64)session, .strict = 1 };

	if (ziriz_capture_all)
		return zcapture(ZIRIZ_SRC_GNUTLS_SEND, (__u64)session, data, (__s64)size);
	return zcall_probe(ZIRIZ_SRC_GNUTLS_SEND, &c, data, (__s64)size);
}

/* gnutls_deinit: the session's judged state goes with it. */
SEC("uprobe")
int BPF_KPROBE(ziriz_gnutls_deinit, void *session)
{
	zconn_forget((__u64)session);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
