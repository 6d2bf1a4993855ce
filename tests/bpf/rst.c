// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "rst.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ETH_HDR 14
#define IPV4_HDR 20
#define IPV6_HDR 40
#define TCP_HDR 20
#define TPID_8021Q 0x8100
#define TPID_8021AD 0x88a8
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define PROTO_TCP 6
#define TCP_ACK 0x10
#define TCP_RST 0x04
#define TCP_SYN 0x02

static unsigned int get16(const __u8 *b)
{
	return (unsigned int)b[0] << 8 | b[1];
}

static __u32 get32(const __u8 *b)
{
	return (__u32)get16(b) << 16 | get16(b + 2);
}

__u32 rst_sum16(const __u8 *b, size_t n, __u32 sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(b + i);
	if (i < n)
		sum += (__u32)b[i] << 8;
	return sum;
}

__u16 rst_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

static bool fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return false;
}

size_t pkt_l3_walk(const __u8 *f, size_t len, unsigned int *ethertype)
{
	size_t off = ETH_HDR;
	unsigned int proto;

	if (len < ETH_HDR)
		return 0;
	proto = get16(f + 12);
	for (int i = 0; i < 2; i++) {
		if (proto != TPID_8021Q && proto != TPID_8021AD)
			break;
		if (off + 4 > len)
			return 0;
		proto = get16(f + off + 2);
		off += 4;
	}
	*ethertype = proto;
	return off;
}

/* Where the IP header starts, or 0 when the frame is not IP. */
static size_t l3_offset(const __u8 *f, size_t len, unsigned int *ethertype)
{
	size_t off = pkt_l3_walk(f, len, ethertype);

	return off && (*ethertype == ETHERTYPE_IPV4 ||
		       *ethertype == ETHERTYPE_IPV6)
		   ? off
		   : 0;
}

static bool check_ipv4(const __u8 *in, const __u8 *out, char *msg, size_t len)
{
	unsigned int frag = get16(out + 6);

	if (out[0] != 0x45)
		return fail(msg, len, "IPv4 version/IHL 0x%02x, not 0x45",
			    out[0]);
	if (get16(out + 2) != IPV4_HDR + TCP_HDR)
		return fail(msg, len, "IPv4 total length %u, not 40",
			    get16(out + 2));
	if (frag & 0x3fff)
		return fail(msg, len, "IPv4 fragment field 0x%04x", frag);
	if (!out[8])
		return fail(msg, len, "IPv4 TTL 0");
	if (out[9] != PROTO_TCP)
		return fail(msg, len, "IPv4 protocol %u", out[9]);
	if (memcmp(out + 12, in + 16, 4) || memcmp(out + 16, in + 12, 4))
		return fail(msg, len, "IPv4 addresses not swapped");
	if (rst_fold(rst_sum16(out, IPV4_HDR, 0)) != 0xffff)
		return fail(msg, len, "IPv4 header checksum 0x%04x wrong",
			    get16(out + 10));
	return true;
}

static bool check_ipv6(const __u8 *in, const __u8 *out, char *msg, size_t len)
{
	if (out[0] >> 4 != 6)
		return fail(msg, len, "IPv6 version %u", out[0] >> 4);
	if (get16(out + 4) != TCP_HDR)
		return fail(msg, len, "IPv6 payload length %u, not 20",
			    get16(out + 4));
	if (out[6] != PROTO_TCP)
		return fail(msg, len, "IPv6 next header %u", out[6]);
	if (!out[7])
		return fail(msg, len, "IPv6 hop limit 0");
	if (memcmp(out + 8, in + 24, 16) || memcmp(out + 24, in + 8, 16))
		return fail(msg, len, "IPv6 addresses not swapped");
	return true;
}

/* The TCP checksum over the pseudo-header and the 20-byte header. */
static __u16 tcp_sum(const __u8 *ip, const __u8 *tcp, bool v6)
{
	__u32 sum;

	if (v6) {
		sum = rst_sum16(ip + 8, 32, 0); /* source, destination */
		sum += TCP_HDR;			/* upper-layer length */
	} else {
		sum = rst_sum16(ip + 12, 8, 0); /* source, destination */
		sum += TCP_HDR;			/* TCP length */
	}
	sum += PROTO_TCP;
	return rst_fold(rst_sum16(tcp, TCP_HDR, sum));
}

static bool check_tcp(const __u8 *in, const __u8 *out, const __u8 *out_ip,
		      bool v6, char *msg, size_t len)
{
	__u32 want_ack = get32(in + 4) + 1;

	if (get16(out) != get16(in + 2) || get16(out + 2) != get16(in))
		return fail(msg, len, "TCP ports %u -> %u, not swapped",
			    get16(out), get16(out + 2));
	if (get32(out + 4))
		return fail(msg, len, "TCP seq %u, not 0", get32(out + 4));
	if (get32(out + 8) != want_ack)
		return fail(msg, len, "TCP ack %u, not SYN seq + 1 = %u",
			    get32(out + 8), want_ack);
	if (out[12] != 5 << 4)
		return fail(msg, len, "TCP data offset byte 0x%02x, not 0x50",
			    out[12]);
	if (out[13] != (TCP_RST | TCP_ACK))
		return fail(msg, len, "TCP flags 0x%02x, not RST|ACK", out[13]);
	if (tcp_sum(out_ip, out, v6) != 0xffff)
		return fail(msg, len, "TCP checksum 0x%04x wrong",
			    get16(out + 16));
	return true;
}

bool rst_check(const __u8 *in, size_t in_len, const __u8 *out, size_t out_len,
	       char *msg, size_t msglen)
{
	unsigned int ethertype = 0;
	size_t l3 = l3_offset(in, in_len, &ethertype), l4, want_len;
	bool v6 = ethertype == ETHERTYPE_IPV6;
	const __u8 *tcp;

	if (!l3)
		return fail(msg, msglen, "answered a frame that is not IP");
	l4 = l3 + (v6 ? IPV6_HDR : IPV4_HDR);
	if (l4 + TCP_HDR > in_len)
		return fail(msg, msglen, "answered a frame too short for TCP");
	if (v6 && in[l3 + 6] != PROTO_TCP)
		return fail(msg, msglen,
			    "answered IPv6 with an extension header (%u)",
			    in[l3 + 6]);
	if (!v6 && (in[l3] != 0x45 || in[l3 + 9] != PROTO_TCP))
		return fail(msg, msglen,
			    "answered IPv4 with options or not TCP (0x%02x, "
			    "protocol %u)",
			    in[l3], in[l3 + 9]);
	tcp = in + l4;
	if ((tcp[13] & (TCP_SYN | TCP_ACK)) != TCP_SYN)
		return fail(msg, msglen, "answered TCP flags 0x%02x, not a SYN",
			    tcp[13]);

	want_len = l4 + TCP_HDR;
	if (out_len != want_len)
		return fail(msg, msglen, "output %zu bytes, not %zu", out_len,
			    want_len);
	if (memcmp(out, in + 6, 6) || memcmp(out + 6, in, 6))
		return fail(msg, msglen, "Ethernet addresses not swapped");
	if (memcmp(out + 12, in + 12, l3 - 12))
		return fail(msg, msglen, "EtherType or VLAN tags changed");
	if (!(v6 ? check_ipv6 : check_ipv4)(in + l3, out + l3, msg, msglen))
		return false;
	return check_tcp(tcp, out + l4, out + l3, v6, msg, msglen);
}
