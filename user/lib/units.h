/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Operator-facing units: rates, sizes, durations, CIDRs, port ranges.
 * Each parser returns 0, or -EINVAL with a short reason in `why` (a
 * static string saying what is allowed).
 */
#ifndef FG_UNITS_H
#define FG_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* `amount` units every `per_ns` nanoseconds; amount 0 = unlimited. */
struct fg_rate {
	__u64 amount;
	__u64 per_ns;
};

enum fg_rate_kind {
	FG_RATE_COUNT, /* packets, connections: "200/s", "12000/m", "1/h" */
	FG_RATE_BYTES, /* "10MB/s", "80Mbit/s", "512KB/s", "1GB/h", "80mbit" */
};

/* A CIDR as a 128-bit prefix: IPv4 is mapped (::ffff:a.b.c.d), and its
 * prefix length counts from the 128-bit form (a /24 is 120). */
struct fg_cidr {
	__u8 addr[16]; /* network order, host bits cleared */
	__u8 prefixlen;
	bool is_v4;
};

struct fg_port_range {
	__u16 first;
	__u16 last;
};

/* "0" (or 0) is an unlimited rate of either kind. Sizes in bytes: B, KB,
 * MB, GB decimal (KB = 1000 B, as rates in Mbit/s are), KiB, MiB, GiB
 * binary; rates also bit, Kbit/kbit, Mbit/mbit, Gbit/gbit, and a bit rate
 * with no period is per second (tc's "80mbit"). Periods: /s, /m, /h, or
 * /sec, /min, /hour. */
int fg_parse_rate(const char *s, enum fg_rate_kind kind, struct fg_rate *out,
		  const char **why);
int fg_parse_size(const char *s, __u64 *bytes, const char **why);
/* "30s", "500ms", "5m", "1h", "0" */
int fg_parse_duration(const char *s, __u64 *ns, const char **why);
/* "192.0.2.0/24", "2001:db8::/32", or a bare address (a host prefix).
 * Host bits set ("192.0.2.1/24") are an error: say what was meant. An
 * IPv4-mapped address or prefix ("::ffff:192.0.2.0/120") is the IPv4 one
 * it maps (is_v4, like "192.0.2.0/24"), as the datapath keys it. */
int fg_parse_cidr(const char *s, struct fg_cidr *out, const char **why);
/* "80" or "8000-8099" */
int fg_parse_port_range(const char *s, struct fg_port_range *out,
			const char **why);
/* A whole number within [min, max]. */
int fg_parse_uint(const char *s, __u64 min, __u64 max, __u64 *out,
		  const char **why);

/* Whether prefix a contains prefix b (or address b, as a /128). */
bool fg_cidr_covers(const struct fg_cidr *a, const struct fg_cidr *b);

/* Formats back for display: "192.0.2.0/24", "2001:db8::/32". */
void fg_format_cidr(const struct fg_cidr *c, char *buf, size_t len);
/* A 16-byte (mapped) address without prefix: "192.0.2.1", "2001:db8::1". */
void fg_format_addr(const __u8 addr[16], char *buf, size_t len);
/* A source as the table keys it: the address, with "/len" when the
 * key's prefix (ipv4_prefix for mapped IPv4, else ipv6_prefix) is
 * shorter than a host: "192.0.2.7", "2001:db8:1:2::/64". */
void fg_format_source(const __u8 addr[16], unsigned int ipv4_prefix,
		      unsigned int ipv6_prefix, char *buf, size_t len);
/* fg_format_source for a log line: the address cut to at most
 * log_ipv4_prefix / log_ipv6_prefix bits (log.source_prefix), so logs
 * need not hold whole addresses. */
void fg_format_source_cut(const __u8 addr[16], unsigned int ipv4_prefix,
			  unsigned int ipv6_prefix,
			  unsigned int log_ipv4_prefix,
			  unsigned int log_ipv6_prefix, char *buf, size_t len);
/* "1000/s"-style, for status output. */
void fg_format_rate(const struct fg_rate *r, enum fg_rate_kind kind, char *buf,
		    size_t len);

#endif /* FG_UNITS_H */
