/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header parsing: a cursor and parse_*() steps that bounds-check and
 * return the next protocol, or a negative FG_PARSE_* value.
 */
#ifndef FG_PARSE_H
#define FG_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "fg_abi.h"

#define FG_PARSE_OK 0
#define FG_PARSE_NOT_IP (-1)
#define FG_PARSE_MALFORMED (-2) /* no source to charge: L2 or IP header bad */
/* The IP header is valid (the source is known), what follows is not:
 * pclass says the L4 protocol when known (FG_PCLASS_OTHER when the
 * extension-header chain hides it); has_port is 0. */
#define FG_PARSE_BAD_TAIL (-3)

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define FG_MAX_VLAN_TAGS 2
#define FG_IP_OFFSET_MASK 0x1fff  /* IPv4 fragment offset */
#define FG_IP6_OFFSET_MASK 0xfff8 /* IPv6 fragment header offset */

/* What the rest of the program needs from a packet. */
struct fg_pkt {
	__u32 saddr[4]; /* IPv6, or IPv4 mapped ::ffff:a.b.c.d */
	__u32 len;	/* frame length: what the wire carried */
	__u16 dport;	/* host order; valid when has_port */
	__u8 pclass;	/* enum fg_proto_class */
	__u8 has_port;
	__u8 is_syn; /* TCP SYN without ACK: a new connection */
	__u8 is_v6;
	__u16 l3_off; /* where the IP header starts, after VLAN tags */
};

struct fg_cursor {
	void *pos;
	void *end;
};

struct fg_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* IPv6 extension headers share this prefix. */
struct fg_ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct fg_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

/* Returns the EtherType after up to two VLAN tags (802.1Q, 802.1ad): a
 * TPID when there are more. */
static __always_inline int fg_parse_eth(struct fg_cursor *c)
{
	struct ethhdr *eth = c->pos;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return FG_PARSE_MALFORMED; /* runt frame */
	c->pos = eth + 1;
	proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < FG_MAX_VLAN_TAGS; i++) {
		struct fg_vlan_hdr *vlan = c->pos;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		/* A tag announced but cut off: the frame claims to carry
		 * something we cannot see, which may be IP. */
		if ((void *)(vlan + 1) > c->end)
			return FG_PARSE_MALFORMED;
		c->pos = vlan + 1;
		proto = vlan->encap_proto;
	}
	return proto;
}

static __always_inline int fg_l4_class(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return FG_PCLASS_TCP;
	case IPPROTO_UDP:
		return FG_PCLASS_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return FG_PCLASS_ICMP;
	default:
		return FG_PCLASS_OTHER;
	}
}

/* Reads the destination port (and SYN) of a first fragment or whole
 * packet. TCP and UDP must carry a full header. */
static __always_inline int fg_parse_l4(struct fg_cursor *c, __u8 proto,
				       struct fg_pkt *pkt)
{
	pkt->pclass = fg_l4_class(proto);
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = c->pos;

		if ((void *)(tcp + 1) > c->end || tcp->doff < 5)
			return FG_PARSE_BAD_TAIL;
		pkt->dport = bpf_ntohs(tcp->dest);
		pkt->has_port = 1;
		pkt->is_syn = tcp->syn && !tcp->ack;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *udp = c->pos;

		if ((void *)(udp + 1) > c->end)
			return FG_PARSE_BAD_TAIL;
		pkt->dport = bpf_ntohs(udp->dest);
		pkt->has_port = 1;
	}
	return FG_PARSE_OK;
}

static __always_inline int fg_parse_ipv4(struct fg_cursor *c,
					 struct fg_pkt *pkt)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;

	if ((void *)(ip + 1) > c->end)
		return FG_PARSE_MALFORMED;
	if (ip->version != 4 || ip->ihl < 5)
		return FG_PARSE_MALFORMED;
	hlen = ip->ihl * 4;
	/* The total length covers the header and fits in the frame (the
	 * frame may be longer: Ethernet pads short packets). */
	if (bpf_ntohs(ip->tot_len) < hlen ||
	    c->pos + bpf_ntohs(ip->tot_len) > c->end)
		return FG_PARSE_MALFORMED;
	if (c->pos + hlen > c->end)
		return FG_PARSE_MALFORMED;

	pkt->saddr[0] = 0;
	pkt->saddr[1] = 0;
	pkt->saddr[2] = bpf_htonl(0xffff);
	pkt->saddr[3] = ip->saddr;
	pkt->is_v6 = 0;
	c->pos += hlen;

	/* A non-first fragment has no L4 header: no port. */
	if (ip->frag_off & bpf_htons(FG_IP_OFFSET_MASK)) {
		pkt->pclass = fg_l4_class(ip->protocol);
		return FG_PARSE_OK;
	}
	return fg_parse_l4(c, ip->protocol, pkt);
}

static __always_inline int fg_is_ext_hdr(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT ||
	       nexthdr == IPPROTO_AH;
}

/* An extension-header chain cut short or too long to walk: the L4
 * protocol (and any port) is unknown. */
static __always_inline int fg_bad_chain(struct fg_pkt *pkt)
{
	pkt->pclass = FG_PCLASS_OTHER;
	return FG_PARSE_BAD_TAIL;
}

static __always_inline int fg_parse_ipv6(struct fg_cursor *c,
					 struct fg_pkt *pkt)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 nexthdr;
	int i;

	if ((void *)(ip6 + 1) > c->end)
		return FG_PARSE_MALFORMED;
	if (ip6->version != 6)
		return FG_PARSE_MALFORMED;
	if ((void *)(ip6 + 1) + bpf_ntohs(ip6->payload_len) > c->end)
		return FG_PARSE_MALFORMED;

	__builtin_memcpy(pkt->saddr, &ip6->saddr, sizeof(pkt->saddr));
	pkt->is_v6 = 1;
	nexthdr = ip6->nexthdr;
	c->pos = ip6 + 1;

	for (i = 0; i < FG_MAX_EXT_HDRS; i++) {
		if (!fg_is_ext_hdr(nexthdr))
			return fg_parse_l4(c, nexthdr, pkt);

		if (nexthdr == IPPROTO_FRAGMENT) {
			struct fg_frag_hdr *fh = c->pos;

			if ((void *)(fh + 1) > c->end)
				return fg_bad_chain(pkt);
			nexthdr = fh->nexthdr;
			c->pos = fh + 1;
			if (fh->frag_off & bpf_htons(FG_IP6_OFFSET_MASK)) {
				pkt->pclass = fg_l4_class(nexthdr);
				return FG_PARSE_OK;
			}
		} else {
			struct fg_ext_hdr *eh = c->pos;
			__u32 len;

			if ((void *)(eh + 1) > c->end)
				return fg_bad_chain(pkt);
			/* AH counts 4-byte units minus 2; the others 8-byte
			 * units minus 1. */
			len = nexthdr == IPPROTO_AH ? (eh->hdrlen + 2) * 4
						    : (eh->hdrlen + 1) * 8;
			if (c->pos + len > c->end)
				return fg_bad_chain(pkt);
			nexthdr = eh->nexthdr;
			c->pos += len;
		}
	}
	/* More extension headers than we walk: a port could hide behind
	 * them, so the packet takes no port's rule, but its source is still
	 * charged (the stack delivers such packets). */
	if (fg_is_ext_hdr(nexthdr))
		return fg_bad_chain(pkt);
	return fg_parse_l4(c, nexthdr, pkt);
}

static __always_inline int fg_parse(struct xdp_md *ctx, struct fg_pkt *pkt)
{
	struct fg_cursor c = {
	    .pos = (void *)(long)ctx->data,
	    .end = (void *)(long)ctx->data_end,
	};
	int proto;

	proto = fg_parse_eth(&c);
	if (proto < 0)
		return proto;
	pkt->l3_off = (__u16)(c.pos - (void *)(long)ctx->data);
	if (proto == bpf_htons(ETH_P_IP))
		return fg_parse_ipv4(&c, pkt);
	if (proto == bpf_htons(ETH_P_IPV6))
		return fg_parse_ipv6(&c, pkt);
	/* A third VLAN tag: IP may hide behind it, and only stacked VLAN
	 * devices would deliver it; `malformed` decides. Off the IP path. */
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return FG_PARSE_MALFORMED;
	return FG_PARSE_NOT_IP;
}

#endif /* FG_PARSE_H */
