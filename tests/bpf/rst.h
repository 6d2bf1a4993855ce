/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An independent check of the program's TCP reset (bpf/reset.h): given a
 * SYN and the frame the program sent back with XDP_TX, is the answer the
 * RST|ACK a TCP stack would accept? Own parsing, own checksums.
 */
#ifndef FG_TEST_RST_H
#define FG_TEST_RST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Where the L3 header starts after Ethernet and up to two VLAN tags
 * (802.1Q, 802.1ad), with its EtherType in *ethertype; 0 when the frame
 * is cut short before it. The tests' own parse, not the program's. */
size_t pkt_l3_walk(const __u8 *f, size_t len, unsigned int *ethertype);

/* Internet checksum helpers: the 16-bit one's-complement sum of b[0..n)
 * (big-endian words, an odd byte padded) added to sum, and its fold. */
__u32 rst_sum16(const __u8 *b, size_t n, __u32 sum);
__u16 rst_fold(__u32 sum);

/* True when out[0..out_len) answers the TCP SYN in[0..in_len): Ethernet
 * addresses, IP addresses and ports swapped, VLAN tags kept, seq 0,
 * ack = SYN seq + 1, RST|ACK, no options, no payload, IP and TCP
 * checksums valid. Otherwise false, and what is wrong in msg. */
bool rst_check(const __u8 *in, size_t in_len, const __u8 *out, size_t out_len,
	       char *msg, size_t msglen);

#endif /* FG_TEST_RST_H */
