// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TC classifier on the ingress of a pod's host-side veth, i.e. every packet the
 * pod sends. Second line behind the cgroup hooks: it also sees traffic that
 * never passes connect()/sendmsg() (raw sockets, packets from a netns-sharing
 * process outside the pod cgroup). The pod is found by source address. Only
 * packets that open a flow are judged (TCP SYN, UDP); see lib/packet.h.
 */
#include "common.h"
#include "egress.h"
#include "pod_ips.h"
#include "packet.h"

SEC("tc")
int ziriz_tc_pod_egress(struct __sk_buff *skb)
{
	struct zegress_req req = {};
	struct ziriz_ip_key src = {};
	struct ziriz_identity *id;
	__u16 rule_id = 0;
	__u8 verdict;

	if (zparse_packet(skb, &src, &req) <= 0)
		return ZIRIZ_TC_ACT_OK;
	id = bpf_map_lookup_elem(&ziriz_pod_ips, &src);
	if (!id)
		return ZIRIZ_TC_ACT_OK;

	verdict = zegress_decide(id, &req, &rule_id);
	if (verdict == ZIRIZ_VERDICT_ALLOW)
		return ZIRIZ_TC_ACT_OK;
	zcount(verdict == ZIRIZ_VERDICT_DENY ? ZIRIZ_CNT_TC_DROPPED : ZIRIZ_CNT_TC_AUDITED);
	zegress_report(&req, verdict, rule_id, ZIRIZ_HOOK_TC_EGRESS, 0, id->identity_id, skb->ifindex, 0);
	return verdict == ZIRIZ_VERDICT_DENY ? ZIRIZ_TC_ACT_SHOT : ZIRIZ_TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
