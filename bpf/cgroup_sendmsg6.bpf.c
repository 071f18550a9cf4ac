// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cgroup/sendmsg6: egress policy for sendmsg() of protected pods; EPERM on deny (see lib/sock_addr.h). */
#include "sock_addr.h"

SEC("cgroup/sendmsg6")
int ziriz_sendmsg6(struct bpf_sock_addr *ctx)
{
	return zsock_addr_egress(ctx, ZIRIZ_AF_INET6, ZIRIZ_HOOK_SENDMSG6);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
