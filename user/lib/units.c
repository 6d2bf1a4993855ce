// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Operator-facing units. Every parser takes the whole string: no sign, no
 * surrounding space, no trailing junk, no overflow. Numbers are whole.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL
#define NS_PER_M (60 * NS_PER_S)
#define NS_PER_H (3600 * NS_PER_S)

#define WHY_RATE_COUNT \
	"expected a rate like 200/s, 12000/m or 1/h, or 0 for no limit"
#define WHY_RATE_BYTES                                                   \
	"expected a rate like 100/s, 10MB/s or 80Mbit/s (also 10MiB/s, " \
	"80mbit), or 0 for no limit"
#define WHY_SIZE                                                              \
	"expected a size like 1518, 64KB or 64KiB (B, KB, MB, GB, KiB, MiB, " \
	"GiB)"
#define WHY_DURATION "expected a duration like 500ms, 30s, 5m or 1h, or 0"
#define WHY_CIDR \
	"expected an address or CIDR like 192.0.2.0/24 or 2001:db8::/32"
#define WHY_PORTS "expected a port like 80 or a range like 8000-8099"

/* Reasons that carry a value; valid until the thread's next parse. */
static __thread char why_buf[128];

struct unit {
	const char *name;
	__u64 mult; /* bytes, or bits for is_bit */
	bool is_bit;
};

/* KB is 1000 B as in network rates; KiB is 1024 B, as the IEC units
 * operators copy from memory sizes. Bit units in lower case as tc(8)
 * writes them (mbit, gbit). "mb" stays an error: megabit or megabyte? */
static const struct unit size_units[] = {
    {"B", 1, false},
    {"KB", 1000ULL, false},
    {"kB", 1000ULL, false},
    {"MB", 1000000ULL, false},
    {"GB", 1000000000ULL, false},
    {"KiB", 1ULL << 10, false},
    {"MiB", 1ULL << 20, false},
    {"GiB", 1ULL << 30, false},
    {"bit", 1, true},
    {"Kbit", 1000ULL, true},
    {"kbit", 1000ULL, true},
    {"Mbit", 1000000ULL, true},
    {"mbit", 1000000ULL, true},
    {"Gbit", 1000000000ULL, true},
    {"gbit", 1000000000ULL, true},
};

struct period {
	const char *name;
	__u64 ns;
};

/* The first three are the names formatted back. */
static const struct period rate_periods[] = {
    {"s", NS_PER_S},   {"m", NS_PER_M},	  {"h", NS_PER_H},
    {"sec", NS_PER_S}, {"min", NS_PER_M}, {"hour", NS_PER_H},
};
#define FORMATTED_PERIODS 3 /* s, m, h */

static const struct period duration_units[] = {
    {"ms", NS_PER_MS},
    {"s", NS_PER_S},
    {"m", NS_PER_M},
    {"h", NS_PER_H},
};

/* Leading decimal digits into *v; returns the count, or -1 on overflow. */
static int scan_digits(const char *s, __u64 *v)
{
	__u64 n = 0;
	int i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*v = n;
	return i;
}

/* The number a value starts with and its length; -1 when there is none
 * (why keeps the caller's message) or it overflows (why = too_big). */
static int leading_number(const char *s, __u64 *v, const char *too_big,
			  const char **why)
{
	int n;

	if (!s)
		return -1;
	n = scan_digits(s, v);
	if (n < 0)
		*why = too_big;
	return n > 0 ? n : -1;
}

static const struct unit *find_unit(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]);
	     i++) {
		if (strlen(size_units[i].name) == len &&
		    !strncmp(size_units[i].name, s, len))
			return &size_units[i];
	}
	return NULL;
}

static __u64 gcd(__u64 a, __u64 b)
{
	while (b) {
		__u64 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int fg_parse_uint(const char *s, __u64 min, __u64 max, __u64 *out,
		  const char **why)
{
	__u64 v;
	int n;

	if (!s || !*s) {
		*why = "expected a whole number";
		return -EINVAL;
	}
	n = scan_digits(s, &v);
	if (n < 0 || (n > 0 && !s[n] && (v < min || v > max))) {
		snprintf(why_buf, sizeof(why_buf),
			 "expected a whole number from %llu to %llu",
			 (unsigned long long)min, (unsigned long long)max);
		*why = why_buf;
		return -EINVAL;
	}
	if (n == 0 || s[n]) {
		*why = "expected a whole number";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int fg_parse_size(const char *s, __u64 *bytes, const char **why)
{
	const struct unit *u = NULL;
	__u64 v;
	int n;

	*why = WHY_SIZE;
	n = leading_number(s, &v, "size too large", why);
	if (n < 0)
		return -EINVAL;
	if (s[n]) {
		u = find_unit(s + n, strlen(s + n));
		if (!u || u->is_bit)
			return -EINVAL;
		if (v > UINT64_MAX / u->mult) {
			*why = "size too large";
			return -EINVAL;
		}
		v *= u->mult;
	}
	*bytes = v;
	return 0;
}

/* v units (u: NULL for plain counts or bytes) per per_ns, into *out. */
static int bytes_rate(__u64 v, const struct unit *u, __u64 per_ns,
		      struct fg_rate *out, const char **why)
{
	__u64 g;

	if (u) {
		if (v > UINT64_MAX / u->mult) {
			*why = "rate too large";
			return -EINVAL;
		}
		v *= u->mult;
		if (u->is_bit && v) {
			/* v bits per period = v/8 bytes: keep it exact. */
			g = gcd(v, 8);
			v /= g;
			per_ns *= 8 / g;
		}
	}
	out->amount = v;
	out->per_ns = per_ns;
	return 0;
}

int fg_parse_rate(const char *s, enum fg_rate_kind kind, struct fg_rate *out,
		  const char **why)
{
	const char *general =
	    kind == FG_RATE_BYTES ? WHY_RATE_BYTES : WHY_RATE_COUNT;
	const struct period *per = NULL;
	const struct unit *u = NULL;
	const char *slash, *end;
	__u64 v;
	int n;

	*why = general;
	n = leading_number(s, &v, "rate too large", why);
	if (n < 0)
		return -EINVAL;
	if (!s[n] && v == 0) {
		out->amount = 0;
		out->per_ns = NS_PER_S;
		return 0;
	}
	slash = strchr(s + n, '/');
	end = slash ? slash : s + strlen(s);
	if (end != s + n) {
		u = find_unit(s + n, (size_t)(end - (s + n)));
		if (!u)
			return -EINVAL;
		if (kind == FG_RATE_COUNT) {
			*why = "packet and connection rates take no size unit: "
			       "expected a rate like 200/s, 12000/m or 1/h";
			return -EINVAL;
		}
	}
	if (!slash) {
		/* A bit rate alone is per second, as tc(8) reads "80mbit". */
		if (u && u->is_bit)
			return bytes_rate(v, u, NS_PER_S, out, why);
		*why = kind == FG_RATE_BYTES
			   ? "missing a period: expected a rate like "
			     "100/s, 10MB/s or 80Mbit/s (a bit rate alone, "
			     "like 80mbit, is per second)"
			   : "missing a period: expected a rate like "
			     "200/s, 12000/m or 1/h";
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(rate_periods) / sizeof(rate_periods[0]);
	     i++) {
		if (!strcmp(slash + 1, rate_periods[i].name))
			per = &rate_periods[i];
	}
	if (!per) {
		*why = kind == FG_RATE_BYTES
			   ? "a rate's period is /s, /m or /h (or /sec, /min, "
			     "/hour): expected a rate like 100/s, 10MB/s or "
			     "80Mbit/s"
			   : "a rate's period is /s, /m or /h (or /sec, /min, "
			     "/hour): expected a rate like 200/s, 12000/m or "
			     "1/h";
		return -EINVAL;
	}
	return bytes_rate(v, u, per->ns, out, why);
}

int fg_parse_duration(const char *s, __u64 *ns, const char **why)
{
	__u64 v;
	int n;

	*why = WHY_DURATION;
	n = leading_number(s, &v, "duration too long", why);
	if (n < 0)
		return -EINVAL;
	if (!s[n]) {
		if (v)
			return -EINVAL; /* a bare number has no unit */
		*ns = 0;
		return 0;
	}
	for (size_t i = 0;
	     i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (strcmp(s + n, duration_units[i].name) != 0)
			continue;
		if (v > UINT64_MAX / duration_units[i].ns) {
			*why = "duration too long";
			return -EINVAL;
		}
		*ns = v * duration_units[i].ns;
		return 0;
	}
	return -EINVAL;
}

static bool is_mapped_v4(const __u8 addr[16])
{
	static const __u8 prefix[12] = {0, 0, 0, 0, 0,	  0,
					0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(addr, prefix, sizeof(prefix));
}

int fg_parse_cidr(const char *s, struct fg_cidr *out, const char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	struct fg_cidr c = {0};
	const char *slash;
	unsigned int max, plen, base;
	bool dirty = false, v4_text = false;
	size_t len;
	__u64 v;

	*why = WHY_CIDR;
	if (!s || !*s)
		return -EINVAL;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';

	if (strchr(host, ':')) {
		if (inet_pton(AF_INET6, host, c.addr) != 1)
			return -EINVAL;
		max = 128;
		base = 0;
	} else {
		if (inet_pton(AF_INET, host, c.addr + 12) != 1)
			return -EINVAL;
		c.addr[10] = 0xff;
		c.addr[11] = 0xff;
		v4_text = true;
		max = 32;
		base = 96;
	}
	plen = max;
	if (slash) {
		int n = scan_digits(slash + 1, &v);

		if (n <= 0 || slash[1 + n] || v > max) {
			*why = v4_text ? "an IPv4 prefix length is 0 to 32"
				       : "an IPv6 prefix length is 0 to 128";
			return -EINVAL;
		}
		plen = (unsigned int)v;
	}
	c.prefixlen = (__u8)(base + plen);

	for (unsigned int bit = c.prefixlen; bit < 128; bit++) {
		__u8 m = (__u8)(0x80 >> (bit % 8));

		if (c.addr[bit / 8] & m) {
			dirty = true;
			c.addr[bit / 8] &= (__u8)~m;
		}
	}
	if (dirty) {
		char shown[INET6_ADDRSTRLEN];

		if (v4_text)
			inet_ntop(AF_INET, c.addr + 12, shown, sizeof(shown));
		else
			inet_ntop(AF_INET6, c.addr, shown, sizeof(shown));
		snprintf(why_buf, sizeof(why_buf),
			 "host bits set; did you mean %s/%u?", shown, plen);
		*why = why_buf;
		return -EINVAL;
	}
	/* "::ffff:192.0.2.1" is the IPv4 source the datapath keys (and
	 * mapio.c reads back) as mapped: IPv4 for every user of it. */
	c.is_v4 = c.prefixlen >= 96 && is_mapped_v4(c.addr);
	*out = c;
	return 0;
}

static int parse_port(const char *s, size_t len, __u16 *port, const char **why)
{
	char buf[8];
	__u64 v;

	*why = WHY_PORTS;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (fg_parse_uint(buf, 0, UINT64_MAX, &v, why)) {
		*why = WHY_PORTS;
		return -EINVAL;
	}
	if (v < 1 || v > 65535) {
		*why = "a port is 1 to 65535";
		return -EINVAL;
	}
	*port = (__u16)v;
	return 0;
}

int fg_parse_port_range(const char *s, struct fg_port_range *out,
			const char **why)
{
	struct fg_port_range r;
	const char *dash;

	*why = WHY_PORTS;
	if (!s || !*s)
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash) {
		if (parse_port(s, strlen(s), &r.first, why))
			return -EINVAL;
		r.last = r.first;
	} else {
		if (parse_port(s, (size_t)(dash - s), &r.first, why) ||
		    parse_port(dash + 1, strlen(dash + 1), &r.last, why))
			return -EINVAL;
		if (r.first > r.last) {
			*why = "range start above end";
			return -EINVAL;
		}
	}
	*out = r;
	return 0;
}

void fg_format_addr(const __u8 addr[16], char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (is_mapped_v4(addr))
		inet_ntop(AF_INET, addr + 12, tmp, sizeof(tmp));
	else
		inet_ntop(AF_INET6, addr, tmp, sizeof(tmp));
	snprintf(buf, len, "%s", tmp);
}

bool fg_cidr_covers(const struct fg_cidr *a, const struct fg_cidr *b)
{
	unsigned int whole = a->prefixlen / 8u, rest = a->prefixlen % 8u;

	if (b->prefixlen < a->prefixlen || memcmp(a->addr, b->addr, whole) != 0)
		return false;
	return !rest ||
	       !((a->addr[whole] ^ b->addr[whole]) & (0xffu << (8u - rest)));
}

void fg_format_cidr(const struct fg_cidr *c, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (c->prefixlen >= 96 && is_mapped_v4(c->addr)) {
		inet_ntop(AF_INET, c->addr + 12, tmp, sizeof(tmp));
		snprintf(buf, len, "%s/%u", tmp, c->prefixlen - 96u);
	} else {
		inet_ntop(AF_INET6, c->addr, tmp, sizeof(tmp));
		snprintf(buf, len, "%s/%u", tmp, (unsigned int)c->prefixlen);
	}
}

static void format_amount(__u64 v, bool bits, char *buf, size_t len,
			  const char *per)
{
	static const char *const byte_names[] = {"GB", "MB", "KB"};
	static const char *const bit_names[] = {"Gbit", "Mbit", "Kbit"};
	static const __u64 mults[] = {1000000000ULL, 1000000ULL, 1000ULL};

	for (size_t i = 0; v && i < sizeof(mults) / sizeof(mults[0]); i++) {
		if (v % mults[i] == 0) {
			snprintf(buf, len, "%llu%s/%s",
				 (unsigned long long)(v / mults[i]),
				 bits ? bit_names[i] : byte_names[i], per);
			return;
		}
	}
	snprintf(buf, len, "%llu%s/%s", (unsigned long long)v,
		 bits ? "bit" : "B", per);
}

void fg_format_rate(const struct fg_rate *r, enum fg_rate_kind kind, char *buf,
		    size_t len)
{
	const size_t nper = FORMATTED_PERIODS;

	if (!r->amount || !r->per_ns) {
		snprintf(buf, len, "unlimited");
		return;
	}
	/* The period it was written with, then (bytes) bits per period,
	 * then any period that keeps the amount whole. */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < nper; i++) {
			const struct period *p = &rate_periods[i];
			unsigned __int128 num = (unsigned __int128)r->amount *
						p->ns * (pass == 1 ? 8 : 1);
			__u64 v;

			if (pass == 0 && r->per_ns != p->ns)
				continue;
			if (pass == 1 && kind != FG_RATE_BYTES)
				continue;
			if (num % r->per_ns || num / r->per_ns > UINT64_MAX)
				continue;
			v = (__u64)(num / r->per_ns);
			if (kind == FG_RATE_COUNT)
				snprintf(buf, len, "%llu/%s",
					 (unsigned long long)v, p->name);
			else
				format_amount(v, pass == 1, buf, len, p->name);
			return;
		}
	}
	snprintf(buf, len, "%llu%s/%lluns", (unsigned long long)r->amount,
		 kind == FG_RATE_BYTES ? "B" : "",
		 (unsigned long long)r->per_ns);
}

void fg_format_source(const __u8 addr[16], unsigned int ipv4_prefix,
		      unsigned int ipv6_prefix, char *buf, size_t len)
{
	static const __u8 mapped[12] = {0, 0, 0, 0, 0,	  0,
					0, 0, 0, 0, 0xff, 0xff};
	int v4 = !memcmp(addr, mapped, sizeof(mapped));
	unsigned int prefix = v4 ? ipv4_prefix : ipv6_prefix;
	char a[INET6_ADDRSTRLEN];

	fg_format_addr(addr, a, sizeof(a));
	if (prefix >= (v4 ? 32u : 128u))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, prefix);
}

void fg_format_source_cut(const __u8 addr[16], unsigned int ipv4_prefix,
			  unsigned int ipv6_prefix,
			  unsigned int log_ipv4_prefix,
			  unsigned int log_ipv6_prefix, char *buf, size_t len)
{
	unsigned int v4 =
	    log_ipv4_prefix < ipv4_prefix ? log_ipv4_prefix : ipv4_prefix;
	unsigned int v6 =
	    log_ipv6_prefix < ipv6_prefix ? log_ipv6_prefix : ipv6_prefix;
	unsigned int keep = is_mapped_v4(addr) ? 96 + (v4 > 32 ? 32 : v4)
					       : (v6 > 128 ? 128 : v6);
	__u8 cut[16];

	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = keep > i * 8 ? keep - i * 8 : 0;

		cut[i] =
		    bits >= 8 ? addr[i] : (__u8)(addr[i] & (0xff00u >> bits));
	}
	fg_format_source(cut, v4, v6, buf, len);
}
