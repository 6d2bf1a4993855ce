/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Answers an over-limit TCP SYN with a RST|ACK built in place and sent
 * back with XDP_TX: the L4 analogue of HTTP 429, so a well-behaved client
 * fails fast instead of retrying into the limit.
 */
#ifndef FG_RESET_H
#define FG_RESET_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"

/* One's-complement sums over network-order words, kept in 32 bits. */
static __always_inline __u32 fg_csum_add(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (__u32)s;
}

static __always_inline __u16 fg_csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

static __always_inline __u16 fg_tcp_csum(struct tcphdr *tcp, __u32 pseudo)
{
	return fg_csum_fold(
	    (__u32)bpf_csum_diff(NULL, 0, (__be32 *)tcp, sizeof(*tcp), pseudo));
}

/* Turns the SYN at `tcp` into a RST|ACK with no options or payload. */
static __always_inline void fg_tcp_to_rst(struct tcphdr *tcp)
{
	__u32 seq = tcp->seq;
	__u16 port = tcp->source;

	tcp->source = tcp->dest;
	tcp->dest = port;
	tcp->ack_seq = bpf_htonl(bpf_ntohl(seq) + 1);
	tcp->seq = 0;
	((__u8 *)tcp)[12] = 5 << 4; /* doff 5, reserved bits clear */
	((__u8 *)tcp)[13] = 0x14;   /* RST | ACK */
	tcp->window = 0;
	tcp->check = 0;
	tcp->urg_ptr = 0;
}

static __always_inline void fg_swap_eth(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/*
 * Returns XDP_TX with the frame rewritten, or -1 when the packet's shape
 * is not one we answer (IP options, IPv6 extension headers): the caller
 * drops it then. `l3_off` is where the IP header starts (after VLAN tags).
 */
__noinline int fg_send_reset(struct xdp_md *ctx, __u32 l3_off, __u32 is_v6)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct tcphdr *tcp;
	__u32 l4_off, new_len;
	__u64 sum;

	if (l3_off > 64)
		return -1;
	if (is_v6) {
		struct ipv6hdr *ip6 = data + l3_off;
		struct in6_addr tmp;

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return -1;
		l4_off = l3_off + sizeof(*ip6);
		tcp = data + l4_off;
		if ((void *)(tcp + 1) > end)
			return -1;
		tmp = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = tmp;
		ip6->payload_len = bpf_htons(sizeof(*tcp));
		ip6->hop_limit = 64;
		fg_tcp_to_rst(tcp);
		/* Pseudo-header: addresses, length, next header. */
		sum = (__u32)bpf_csum_diff(NULL, 0, (__be32 *)&ip6->saddr,
					   2 * sizeof(struct in6_addr), 0);
		sum += bpf_htonl(sizeof(*tcp));
		sum += bpf_htonl(IPPROTO_TCP);
		tcp->check = fg_tcp_csum(tcp, fg_csum_add(sum));
	} else {
		struct iphdr *ip = data + l3_off;
		__be32 addr;

		if ((void *)(ip + 1) > end || ip->ihl != 5)
			return -1;
		l4_off = l3_off + sizeof(*ip);
		tcp = data + l4_off;
		if ((void *)(tcp + 1) > end)
			return -1;
		addr = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = addr;
		ip->tot_len = bpf_htons(sizeof(*ip) + sizeof(*tcp));
		ip->ttl = 64;
		ip->frag_off = bpf_htons(0x4000); /* DF */
		ip->id = 0;
		ip->check = 0;
		ip->check = fg_csum_fold((__u32)bpf_csum_diff(
		    NULL, 0, (__be32 *)ip, sizeof(*ip), 0));
		fg_tcp_to_rst(tcp);
		sum = (__u64)ip->saddr + ip->daddr +
		      bpf_htonl((IPPROTO_TCP << 16) | sizeof(*tcp));
		tcp->check = fg_tcp_csum(tcp, fg_csum_add(sum));
	}
	if ((void *)(eth + 1) > end)
		return -1;
	fg_swap_eth(eth);

	/* Drop options and payload: the RST ends at the TCP header. */
	new_len = l4_off + sizeof(*tcp);
	if (bpf_xdp_adjust_tail(ctx, (int)new_len - (int)(end - data)))
		return -1;
	return XDP_TX;
}

#endif /* FG_RESET_H */
