// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lsm/socket_connect: egress policy as a second line behind the cgroup
 * connect hooks (it also sees sockets of processes that moved between
 * cgroups after creating them). Same decision (lib/egress.h).
 */
#include "common.h"
#include "lsm.h"
#include "egress.h"

SEC("lsm/socket_connect")
int BPF_PROG(ziriz_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	struct zegress_req req = {};
	struct ziriz_lsm_event *e;
	struct ziriz_identity *id;
	__u16 rule_id = 0;
	__u16 family;
	__u64 cgid;

	if (ret)
		return ret;
	id = zidentity_current(&cgid);
	if (!id)
		return 0;
	family = BPF_CORE_READ(address, sa_family);
	if (family == ZIRIZ_AF_INET && addrlen >= (int)sizeof(struct sockaddr_in)) {
		struct sockaddr_in *in = (struct sockaddr_in *)address;
		__u32 a = BPF_CORE_READ(in, sin_addr.s_addr);

		__builtin_memcpy(req.addr, &a, 4);
		req.port = bpf_ntohs(BPF_CORE_READ(in, sin_port));
	} else if (family == ZIRIZ_AF_INET6 && addrlen >= (int)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)address;

		BPF_CORE_READ_INTO(&req.addr, in6, sin6_addr.in6_u.u6_addr8);
		req.port = bpf_ntohs(BPF_CORE_READ(in6, sin6_port));
	} else {
		return 0;
	}
	req.family = family;
	req.proto = BPF_CORE_READ(sock, sk, sk_protocol);
	e = zlsm_scratch();
	if (!e)
		return 0;
	__builtin_memset(e->path, 0, sizeof(e->path));
	{
		__u8 verdict = zegress_decide(id, &req, &rule_id);

		if (verdict == ZIRIZ_VERDICT_ALLOW)
			return 0;
		__builtin_memcpy(e->path, req.addr, 16);
		return zlsm_verdict(e, ZIRIZ_LSM_SOCKET_CONNECT, verdict, rule_id, cgid, id, req.port);
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
