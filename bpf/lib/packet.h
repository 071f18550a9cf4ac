/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing for TC programs. Headers are copied with bpf_skb_load_bytes,
 * which is bounds-checked by the kernel and also works on non-linear skbs.
 */
#ifndef ZIRIZ_PACKET_H
#define ZIRIZ_PACKET_H

#include "common.h"
#include "egress.h"

#define ZIRIZ_TC_ACT_OK 0
#define ZIRIZ_TC_ACT_SHOT 2
#define ZIRIZ_ETH_P_IP 0x0800
#define ZIRIZ_ETH_P_IPV6 0x86DD
#define ZIRIZ_IPPROTO_TCP 6
#define ZIRIZ_IPPROTO_UDP 17
#define ZIRIZ_IP_OFFSET_MASK 0x1fff
#define ZIRIZ_ETH_HLEN 14

#define ZIRIZ_TCP_FLAGS_OFF 13
#define ZIRIZ_TCP_SYN 0x02
#define ZIRIZ_TCP_ACK 0x10

/*
 * Parse an Ethernet frame into source address (`src`) and destination request
 * (`req`). Returns 1 for a packet that opens a flow (TCP SYN without ACK, any
 * UDP datagram), 0 for other IPv4/IPv6 packets (TCP segments of established
 * or accepted connections, other protocols), -1 for anything else (ARP, ...).
 * Judging only flow openers keeps replies of connections the pod accepted
 * flowing, as the cgroup connect hooks judge only connect().
 */
static __always_inline int zparse_packet(struct __sk_buff *skb, struct ziriz_ip_key *src,
					 struct zegress_req *req)
{
	__u16 eth_proto = bpf_ntohs((__u16)skb->protocol);
	__u32 l4_off;

	if (eth_proto == ZIRIZ_ETH_P_IP) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, ZIRIZ_ETH_HLEN, &ip, sizeof(ip)) < 0)
			return -1;
		src->family = req->family = ZIRIZ_AF_INET;
		__builtin_memcpy(src->addr, &ip.saddr, 4);
		__builtin_memcpy(req->addr, &ip.daddr, 4);
		req->proto = ip.protocol;
		/* Non-first fragments carry no ports and open no flow. */
		if (bpf_ntohs(ip.frag_off) & ZIRIZ_IP_OFFSET_MASK)
			return 0;
		l4_off = ZIRIZ_ETH_HLEN + ip.ihl * 4;
	} else if (eth_proto == ZIRIZ_ETH_P_IPV6) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, ZIRIZ_ETH_HLEN, &ip6, sizeof(ip6)) < 0)
			return -1;
		src->family = req->family = ZIRIZ_AF_INET6;
		__builtin_memcpy(src->addr, &ip6.saddr, 16);
		__builtin_memcpy(req->addr, &ip6.daddr, 16);
		req->proto = ip6.nexthdr;
		l4_off = ZIRIZ_ETH_HLEN + sizeof(ip6);
	} else {
		return -1;
	}
	if (req->proto == ZIRIZ_IPPROTO_UDP) {
		__be16 ports[2];

		if (bpf_skb_load_bytes(skb, l4_off, ports, sizeof(ports)) < 0)
			return 0;
		req->port = bpf_ntohs(ports[1]);
		return 1;
	}
	if (req->proto == ZIRIZ_IPPROTO_TCP) {
		__u8 hdr[ZIRIZ_TCP_FLAGS_OFF + 1];

		if (bpf_skb_load_bytes(skb, l4_off, hdr, sizeof(hdr)) < 0)
			return 0;
		if ((hdr[ZIRIZ_TCP_FLAGS_OFF] & (ZIRIZ_TCP_SYN | ZIRIZ_TCP_ACK)) != ZIRIZ_TCP_SYN)
			return 0;
		req->port = ((__u16)hdr[2] << 8) | hdr[3];
		return 1;
	}
	return 0;
}

#endif /* ZIRIZ_PACKET_H */
