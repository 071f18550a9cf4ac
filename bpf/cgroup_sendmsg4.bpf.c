// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cgroup/sendmsg4: egress policy for sendmsg() of protected pods; EPERM on deny (see lib/sock_addr.h). */
#include "sock_addr.h"

SEC("cgroup/sendmsg4")
int ziriz_sendmsg4(struct bpf_sock_addr *ctx)
{
	return zsock_addr_egress(ctx, ZIRIZ_AF_INET, ZIRIZ_HOOK_SENDMSG4);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
