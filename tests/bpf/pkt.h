/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Test frames from a declarative spec: Ethernet, up to three VLAN tags,
 * IPv4 (with options, fragments), IPv6 (with extension headers), ARP,
 * TCP, UDP, ICMP. The builder records where each layer starts, so a spec
 * can cut the frame inside or right at the start of any layer.
 * Checksums are left zero: the XDP program never reads them.
 */
#ifndef FG_TEST_PKT_H
#define FG_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PKT_MAX 3072
#define PKT_MAX_VLANS 3
#define PKT_MAX_EXT 12

enum pkt_l3 {
	PKT_IPV4 = 0,
	PKT_IPV6,
	PKT_ARP,
	PKT_ETHERTYPE, /* .ethertype and nothing after it */
};

/* IPv6 extension headers, in the order they appear; PKT_EXT_END ends. */
enum pkt_ext {
	PKT_EXT_END = 0,
	PKT_EXT_HOP,	 /* hop-by-hop options, 8 bytes */
	PKT_EXT_ROUTING, /* routing type 2, 24 bytes */
	PKT_EXT_DEST,	 /* destination options, 16 bytes */
	PKT_EXT_FRAG,	 /* fragment, 8 bytes: .frag_offset, .more_frags */
	PKT_EXT_AH,	 /* authentication header, 24 bytes */
};

/* Layers the builder records; PKT_L_NONE (zero) means "no cut". */
enum pkt_layer {
	PKT_L_NONE = 0,
	PKT_L_ETH,
	PKT_L_VLAN0, /* outer tag */
	PKT_L_VLAN1,
	PKT_L_VLAN2,
	PKT_L_L3, /* IPv4, IPv6 or ARP header */
	PKT_L_EXT0,
	PKT_L_L4 = PKT_L_EXT0 + PKT_MAX_EXT,
	PKT_L_PAYLOAD,
	PKT_L_COUNT,
};
#define PKT_L_VLAN(n) (PKT_L_VLAN0 + (n))
#define PKT_L_EXT(n) (PKT_L_EXT0 + (n))

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

/* Keep `keep` bytes of `layer`, drop the rest of the frame. fix_len
 * rewrites the IP length field to the cut frame, so the check that fires
 * is the one for the cut header, not the IP length check. */
struct pkt_cut {
	enum pkt_layer layer;
	__u16 keep;
	bool fix_len;
};

struct pkt_spec {
	__u16 vlan[PKT_MAX_VLANS]; /* TPIDs, outer first; 0 ends the list */
	enum pkt_l3 l3;
	__u16 ethertype; /* PKT_ETHERTYPE only */
	/* NULL: 198.51.100.10 -> 192.0.2.1, 2001:db8:1::10 -> 2001:db8::1 */
	const char *src, *dst;

	/* IPv4 */
	__u8 ip_opts;	 /* option bytes, a multiple of 4 (NOPs) */
	__u8 ihl;	 /* header length field; 0 = computed */
	__u8 ip_version; /* 0 = 4 or 6 as .l3 says */
	/* Fragment: of the IPv4 header, or of each IPv6 fragment header.
	 * A non-first fragment still carries the L4 header bytes as bait:
	 * the program must not read a port from them. */
	__u16 frag_offset; /* in 8-byte units */
	bool more_frags;
	bool dont_frag;		       /* IPv4 DF */
	enum pkt_ext ext[PKT_MAX_EXT]; /* IPv6 */

	__u8 l4; /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6; others: no header */
	__u16 sport, dport;
	__u8 tcp_flags;
	__u8 tcp_doff; /* 0 = 5 */
	__u32 tcp_seq; /* 0 = 1000 */

	__u16 frame_len; /* pad the IP payload up to this frame length */
	__u16 trailer;	 /* bytes after the IP packet (Ethernet padding) */
	int len_delta;	 /* added to IPv4 tot_len / IPv6 payload_len */
	struct pkt_cut cut;
};

struct pkt {
	__u8 data[PKT_MAX];
	size_t len;
	int off[PKT_L_COUNT]; /* where each layer starts; -1 = absent */
};

/* Builds the frame. Returns 0, or -EINVAL for a spec that makes no
 * sense (a bad address, a cut outside the frame), with a reason in why. */
int pkt_build(const struct pkt_spec *s, struct pkt *p, const char **why);

/* Adds n to the source address of a built IPv4 or IPv6 frame (to its
 * low 32 bits, carrying) and fixes the IPv4 header checksum: many
 * sources from one spec. Returns -EINVAL when the frame has no whole
 * IP header. */
int pkt_src_add(struct pkt *p, const struct pkt_spec *s, __u32 n);

#endif /* FG_TEST_PKT_H */
