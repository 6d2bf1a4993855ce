/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The least a per-source limiter must parse: Ethernet, up to two VLAN
 * tags, the IPv4 or IPv6 source address (IPv4 mapped ::ffff:a.b.c.d, the
 * same 16-byte key floodgate uses). No options, no extension headers, no
 * ports: the baselines' parser is as cheap as a correct one gets.
 */
#ifndef FG_BENCH_PARSE_H
#define FG_BENCH_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define BENCH_ETH_HLEN 14
#define BENCH_VLAN_HLEN 4
#define BENCH_ETH_P_8021Q 0x8100
#define BENCH_ETH_P_8021AD 0x88a8
#define BENCH_ETH_P_IP 0x0800
#define BENCH_ETH_P_IPV6 0x86dd

struct bench_key {
	__u32 addr[4];
};

/* 0 and the key, or -1 (not IP, or truncated). */
static __always_inline int bench_parse(struct xdp_md *ctx,
				       struct bench_key *key)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u32 off = BENCH_ETH_HLEN - 2;
	__u16 proto;
	int i;

#pragma unroll
	for (i = 0; i < 3; i++) {
		__u16 *p = (__u16 *)(data + off);

		if ((__u8 *)(p + 1) > end)
			return -1;
		proto = bpf_ntohs(*p);
		off += 2;
		if (proto != BENCH_ETH_P_8021Q && proto != BENCH_ETH_P_8021AD)
			break;
		off += BENCH_VLAN_HLEN - 2;
	}
	if (proto == BENCH_ETH_P_IP) {
		/* saddr at offset 12 of the IPv4 header */
		__u32 *s = (__u32 *)(data + off + 12);

		if ((__u8 *)(s + 1) > end)
			return -1;
		key->addr[0] = 0;
		key->addr[1] = 0;
		key->addr[2] = bpf_htonl(0xffff);
		key->addr[3] = *s;
		return 0;
	}
	if (proto == BENCH_ETH_P_IPV6) {
		/* saddr at offset 8 of the IPv6 header */
		__u32 *s = (__u32 *)(data + off + 8);

		if ((__u8 *)(s + 4) > end)
			return -1;
		key->addr[0] = s[0];
		key->addr[1] = s[1];
		key->addr[2] = s[2];
		key->addr[3] = s[3];
		return 0;
	}
	return -1;
}

#endif /* FG_BENCH_PARSE_H */
