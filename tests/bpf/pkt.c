// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "pkt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define ETH_HDR 14
#define VLAN_HDR 4
#define IPV4_HDR 20
#define IPV6_HDR 40
#define ARP_BODY 28
#define TCP_HDR 20
#define UDP_HDR 8
#define ICMP_HDR 8

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd

static const __u8 mac_dst[6] = {0x02, 0, 0, 0, 0, 0x01};
static const __u8 mac_src[6] = {0x02, 0, 0, 0, 0, 0x02};

static void put16(__u8 *b, unsigned int v)
{
	b[0] = (__u8)(v >> 8);
	b[1] = (__u8)v;
}

static void put32(__u8 *b, __u32 v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

/* Appends n zero bytes and records where `layer` starts. */
static __u8 *pkt_put(struct pkt *p, enum pkt_layer layer, size_t n)
{
	__u8 *b;

	if (p->len + n > PKT_MAX)
		return NULL;
	b = p->data + p->len;
	memset(b, 0, n);
	if (layer != PKT_L_NONE)
		p->off[layer] = (int)p->len;
	p->len += n;
	return b;
}

static __u16 l3_ethertype(const struct pkt_spec *s)
{
	switch (s->l3) {
	case PKT_IPV4:
		return ETHERTYPE_IPV4;
	case PKT_IPV6:
		return ETHERTYPE_IPV6;
	case PKT_ARP:
		return ETHERTYPE_ARP;
	case PKT_ETHERTYPE:
		break;
	}
	return s->ethertype;
}

static int put_eth_vlans(struct pkt *p, const struct pkt_spec *s)
{
	__u16 l3 = l3_ethertype(s);
	__u8 *b = pkt_put(p, PKT_L_ETH, ETH_HDR);

	if (!b)
		return -EINVAL;
	memcpy(b, mac_dst, 6);
	memcpy(b + 6, mac_src, 6);
	put16(b + 12, s->vlan[0] ? s->vlan[0] : l3);
	for (int i = 0; i < PKT_MAX_VLANS && s->vlan[i]; i++) {
		__u16 next = i + 1 < PKT_MAX_VLANS && s->vlan[i + 1]
				 ? s->vlan[i + 1]
				 : l3;

		b = pkt_put(p, PKT_L_VLAN(i), VLAN_HDR);
		if (!b)
			return -EINVAL;
		put16(b, 100 + i); /* VID */
		put16(b + 2, next);
	}
	return 0;
}

static int addr_pair(const struct pkt_spec *s, int af, void *src, void *dst)
{
	const char *sa = s->src, *da = s->dst;

	if (!sa)
		sa = af == AF_INET ? "198.51.100.10" : "2001:db8:1::10";
	if (!da)
		da = af == AF_INET ? "192.0.2.1" : "2001:db8::1";
	if (inet_pton(af, sa, src) != 1 || inet_pton(af, da, dst) != 1)
		return -EINVAL;
	return 0;
}

static int put_ipv4(struct pkt *p, const struct pkt_spec *s)
{
	size_t hlen = IPV4_HDR + s->ip_opts;
	__u8 *b = pkt_put(p, PKT_L_L3, hlen);
	__u16 frag =
	    (__u16)((s->dont_frag ? 0x4000 : 0) | (s->more_frags ? 0x2000 : 0) |
		    (s->frag_offset & 0x1fff));

	if (!b || s->ip_opts % 4 || hlen > 60)
		return -EINVAL;
	b[0] = (__u8)((s->ip_version ? s->ip_version : 4) << 4 |
		      (s->ihl ? s->ihl : hlen / 4));
	put16(b + 4, 1); /* id */
	put16(b + 6, frag);
	b[8] = 64;
	b[9] = s->l4;
	memset(b + IPV4_HDR, 1, s->ip_opts); /* NOP options */
	return addr_pair(s, AF_INET, b + 12, b + 16);
}

static int put_ipv6(struct pkt *p, const struct pkt_spec *s, __u8 nexthdr)
{
	__u8 *b = pkt_put(p, PKT_L_L3, IPV6_HDR);

	if (!b)
		return -EINVAL;
	b[0] = (__u8)((s->ip_version ? s->ip_version : 6) << 4);
	b[6] = nexthdr;
	b[7] = 64;
	return addr_pair(s, AF_INET6, b + 8, b + 24);
}

static __u8 ext_proto(enum pkt_ext e)
{
	switch (e) {
	case PKT_EXT_HOP:
		return IPPROTO_HOPOPTS;
	case PKT_EXT_ROUTING:
		return IPPROTO_ROUTING;
	case PKT_EXT_DEST:
		return IPPROTO_DSTOPTS;
	case PKT_EXT_FRAG:
		return IPPROTO_FRAGMENT;
	case PKT_EXT_AH:
		return IPPROTO_AH;
	case PKT_EXT_END:
		break;
	}
	return 0;
}

static int put_ext(struct pkt *p, const struct pkt_spec *s, int i, __u8 nexthdr)
{
	static const size_t len[] = {
	    [PKT_EXT_HOP] = 8,	[PKT_EXT_ROUTING] = 24, [PKT_EXT_DEST] = 16,
	    [PKT_EXT_FRAG] = 8, [PKT_EXT_AH] = 24,
	};
	enum pkt_ext e = s->ext[i];
	__u8 *b = pkt_put(p, PKT_L_EXT(i), len[e]);

	if (!b)
		return -EINVAL;
	b[0] = nexthdr;
	switch (e) {
	case PKT_EXT_HOP: /* one PadN option filling the header */
		b[1] = 0;
		b[2] = 1;
		b[3] = 4;
		break;
	case PKT_EXT_ROUTING: /* type 2, one address, nothing left */
		b[1] = 2;
		b[2] = 2;
		inet_pton(AF_INET6, "2001:db8::2", b + 8);
		break;
	case PKT_EXT_DEST:
		b[1] = 1; /* (1 + 1) * 8 = 16 bytes */
		b[2] = 1;
		b[3] = 12;
		break;
	case PKT_EXT_FRAG:
		put16(b + 2, (unsigned int)(s->frag_offset << 3) |
				 (s->more_frags ? 1 : 0));
		put32(b + 4, 0x1234);
		break;
	case PKT_EXT_AH:
		b[1] = 4;	     /* (4 + 2) * 4 = 24 bytes */
		put32(b + 4, 0x100); /* SPI */
		put32(b + 8, 1);     /* sequence */
		break;
	case PKT_EXT_END:
		return -EINVAL;
	}
	return 0;
}

static int put_l4(struct pkt *p, const struct pkt_spec *s)
{
	__u16 sport = s->sport ? s->sport : 40000;
	__u8 *b;

	switch (s->l4) {
	case IPPROTO_TCP:
		b = pkt_put(p, PKT_L_L4, TCP_HDR);
		if (!b)
			return -EINVAL;
		put16(b, sport);
		put16(b + 2, s->dport);
		put32(b + 4, s->tcp_seq ? s->tcp_seq : 1000);
		put32(b + 8, s->tcp_flags & PKT_TCP_ACK ? 2000 : 0);
		b[12] = (__u8)((s->tcp_doff ? s->tcp_doff : 5) << 4);
		b[13] = s->tcp_flags;
		put16(b + 14, 65535);
		return 0;
	case IPPROTO_UDP:
		b = pkt_put(p, PKT_L_L4, UDP_HDR);
		if (!b)
			return -EINVAL;
		put16(b, sport);
		put16(b + 2, s->dport);
		return 0; /* length: after the payload */
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		b = pkt_put(p, PKT_L_L4, ICMP_HDR);
		if (!b)
			return -EINVAL;
		b[0] = s->l4 == IPPROTO_ICMP ? 8 : 128; /* echo request */
		put16(b + 4, 1);
		put16(b + 6, 1);
		return 0;
	default:
		pkt_put(p, PKT_L_L4, 0);
		return 0;
	}
}

static int put_arp(struct pkt *p, const struct pkt_spec *s)
{
	__u8 *b = pkt_put(p, PKT_L_L3, ARP_BODY);

	if (!b)
		return -EINVAL;
	put16(b, 1); /* Ethernet */
	put16(b + 2, ETHERTYPE_IPV4);
	b[4] = 6;
	b[5] = 4;
	put16(b + 6, 1); /* request */
	memcpy(b + 8, mac_src, 6);
	return addr_pair(s, AF_INET, b + 14, b + 24);
}

static int put_ip(struct pkt *p, const struct pkt_spec *s)
{
	int n = 0, err;

	if (s->l3 == PKT_IPV4) {
		err = put_ipv4(p, s);
		return err ? err : put_l4(p, s);
	}

	while (n < PKT_MAX_EXT && s->ext[n] != PKT_EXT_END)
		n++;
	err = put_ipv6(p, s, n ? ext_proto(s->ext[0]) : s->l4);
	for (int i = 0; i < n && !err; i++)
		err = put_ext(p, s, i,
			      i + 1 < n ? ext_proto(s->ext[i + 1]) : s->l4);
	return err ? err : put_l4(p, s);
}

/* The IP length field, as the frame now is, plus the spec's delta. */
static void set_ip_len(struct pkt *p, const struct pkt_spec *s)
{
	int l3 = p->off[PKT_L_L3];
	long len;

	if (l3 < 0)
		return;
	len = (long)p->len - l3 + s->len_delta;
	if (s->l3 == PKT_IPV4 && l3 + IPV4_HDR <= (long)p->len)
		put16(p->data + l3 + 2, (unsigned int)len);
	else if (s->l3 == PKT_IPV6 && l3 + IPV6_HDR <= (long)p->len)
		put16(p->data + l3 + 4, (unsigned int)(len - IPV6_HDR));
}

static void ipv4_checksum(struct pkt *p, const struct pkt_spec *s)
{
	int l3 = p->off[PKT_L_L3];
	size_t hlen = IPV4_HDR + s->ip_opts;
	__u32 sum = 0;
	__u8 *b;

	if (s->l3 != PKT_IPV4 || l3 < 0 || l3 + hlen > p->len)
		return;
	b = p->data + l3;
	put16(b + 10, 0);
	for (size_t i = 0; i < hlen; i += 2)
		sum += (__u32)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(b + 10, ~sum & 0xffff);
}

int pkt_build(const struct pkt_spec *s, struct pkt *p, const char **why)
{
	int err;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < PKT_L_COUNT; i++)
		p->off[i] = -1;

	*why = "frame larger than PKT_MAX or bad header spec";
	err = put_eth_vlans(p, s);
	if (!err && (s->l3 == PKT_IPV4 || s->l3 == PKT_IPV6))
		err = put_ip(p, s);
	else if (!err && s->l3 == PKT_ARP)
		err = put_arp(p, s);
	if (err)
		return err;

	/* Payload up to the frame length the spec asks for. */
	if (s->frame_len > p->len + s->trailer &&
	    !pkt_put(p, PKT_L_PAYLOAD, s->frame_len - s->trailer - p->len))
		return -EINVAL;
	if (s->l4 == IPPROTO_UDP && p->off[PKT_L_L4] >= 0)
		put16(p->data + p->off[PKT_L_L4] + 4,
		      (unsigned int)(p->len - (size_t)p->off[PKT_L_L4]));
	set_ip_len(p, s);
	ipv4_checksum(p, s);
	if (s->trailer && !pkt_put(p, PKT_L_NONE, s->trailer))
		return -EINVAL;

	if (s->cut.layer != PKT_L_NONE) {
		int off =
		    s->cut.layer < PKT_L_COUNT ? p->off[s->cut.layer] : -1;

		*why = "cut: layer absent or keep beyond the frame";
		if (off < 0 || (size_t)off + s->cut.keep > p->len)
			return -EINVAL;
		p->len = (size_t)off + s->cut.keep;
		if (s->cut.fix_len) {
			set_ip_len(p, s);
			ipv4_checksum(p, s);
		}
	}
	*why = NULL;
	return 0;
}

int pkt_src_add(struct pkt *p, const struct pkt_spec *s, __u32 n)
{
	int l3 = p->off[PKT_L_L3];
	size_t hlen = s->l3 == PKT_IPV4 ? IPV4_HDR : IPV6_HDR;
	__u8 *low;
	__u32 v;

	if ((s->l3 != PKT_IPV4 && s->l3 != PKT_IPV6) || l3 < 0 ||
	    (size_t)l3 + hlen > p->len)
		return -EINVAL;
	/* The source's last 4 bytes: IPv4 at 12..15, IPv6 at 20..23. */
	low = p->data + l3 + (s->l3 == PKT_IPV4 ? 12 : 20);
	v = (__u32)low[0] << 24 | (__u32)low[1] << 16 | (__u32)low[2] << 8 |
	    low[3];
	put32(low, v + n);
	ipv4_checksum(p, s);
	return 0;
}
