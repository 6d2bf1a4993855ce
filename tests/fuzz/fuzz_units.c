// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer: the unit parsers (user/lib/units.c). The first byte picks
 * the parser, the rest is its text. An accepted value must be in range
 * and survive formatting and parsing back; a refused one must come with
 * a reason and leave the output untouched.
 */
#include <inttypes.h>
#include <stdbool.h>

#include "fuzz.h"
#include "units.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL

enum parser {
	P_UINT,
	P_SIZE,
	P_RATE_COUNT,
	P_RATE_BYTES,
	P_DURATION,
	P_CIDR,
	P_PORTS,
	P_FORMAT_SOURCE,
	P_COUNT
};

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
					  0, 0, 0, 0, 0xff, 0xff};

static bool untouched(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != 0xa5)
			return false;
	return true;
}

static bool only_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void check_uint(const char *s)
{
	const char *why = NULL;
	__u64 v, back;
	char buf[32];

	memset(&v, 0xa5, sizeof(v));
	if (fg_parse_uint(s, 1, 10000, &v, &why)) {
		FUZZ_CHECK(why && *why, "\"%s\": no reason", s);
		FUZZ_CHECK(untouched(&v, sizeof(v)), "\"%s\": out written", s);
		return;
	}
	FUZZ_CHECK(v >= 1 && v <= 10000, "\"%s\" -> %llu", s, ULL(v));
	FUZZ_CHECK(only_digits(s), "\"%s\" accepted", s);
	snprintf(buf, sizeof(buf), "%llu", ULL(v));
	FUZZ_CHECK(!fg_parse_uint(buf, 1, 10000, &back, &why) && back == v,
		   "\"%s\" does not parse back", buf);
}

static void check_size(const char *s)
{
	const char *why = NULL;
	__u64 v, back;
	char buf[32];

	memset(&v, 0xa5, sizeof(v));
	if (fg_parse_size(s, &v, &why)) {
		FUZZ_CHECK(why && *why, "\"%s\": no reason", s);
		FUZZ_CHECK(untouched(&v, sizeof(v)), "\"%s\": out written", s);
		return;
	}
	snprintf(buf, sizeof(buf), "%lluB", ULL(v));
	FUZZ_CHECK(!fg_parse_size(buf, &back, &why) && back == v,
		   "\"%s\" -> %s does not parse back", s, buf);
}

/* a/b == c/d, exactly. */
static bool same_ratio(const struct fg_rate *x, const struct fg_rate *y)
{
	return (unsigned __int128)x->amount * y->per_ns ==
	       (unsigned __int128)y->amount * x->per_ns;
}

static void check_rate(const char *s, enum fg_rate_kind kind)
{
	const char *why = NULL;
	struct fg_rate r, back;
	char buf[96];

	memset(&r, 0xa5, sizeof(r));
	if (fg_parse_rate(s, kind, &r, &why)) {
		FUZZ_CHECK(why && *why, "\"%s\": no reason", s);
		FUZZ_CHECK(untouched(&r, sizeof(r)), "\"%s\": out written", s);
		return;
	}
	FUZZ_CHECK(r.per_ns, "\"%s\": a zero period", s);
	if (!r.amount)
		return; /* unlimited, whatever the period */
	fg_format_rate(&r, kind, buf, sizeof(buf));
	FUZZ_CHECK(!strstr(buf, "ns"), "\"%s\" formats as \"%s\"", s, buf);
	FUZZ_CHECK(!fg_parse_rate(buf, kind, &back, &why),
		   "\"%s\" formats as \"%s\", refused: %s", s, buf, why);
	FUZZ_CHECK(same_ratio(&r, &back),
		   "\"%s\" -> %llu/%lluns -> \"%s\" -> %llu"
		   "/%lluns",
		   s, ULL(r.amount), ULL(r.per_ns), buf, ULL(back.amount),
		   ULL(back.per_ns));
}

static void check_duration(const char *s)
{
	const char *why = NULL;
	__u64 ns, back;
	char buf[40];

	memset(&ns, 0xa5, sizeof(ns));
	if (fg_parse_duration(s, &ns, &why)) {
		FUZZ_CHECK(why && *why, "\"%s\": no reason", s);
		FUZZ_CHECK(untouched(&ns, sizeof(ns)), "\"%s\": out written",
			   s);
		return;
	}
	FUZZ_CHECK(ns % NS_PER_MS == 0, "\"%s\" -> %llu ns", s, ULL(ns));
	snprintf(buf, sizeof(buf), "%llums", ULL(ns / NS_PER_MS));
	FUZZ_CHECK(!fg_parse_duration(buf, &back, &why) && back == ns,
		   "\"%s\" -> %s does not parse back", s, buf);
}

static void check_cidr(const char *s)
{
	const char *why = NULL;
	struct fg_cidr c, back;
	char buf[64];

	memset(&c, 0xa5, sizeof(c));
	if (fg_parse_cidr(s, &c, &why)) {
		FUZZ_CHECK(why && *why, "\"%s\": no reason", s);
		FUZZ_CHECK(untouched(&c, sizeof(c)), "\"%s\": out written", s);
		return;
	}
	FUZZ_CHECK(c.prefixlen <= 128, "\"%s\": /%u", s, c.prefixlen);
	for (unsigned int bit = c.prefixlen; bit < 128; bit++)
		FUZZ_CHECK(!(c.addr[bit / 8] & (0x80 >> (bit % 8))),
			   "\"%s\": host bit %u set", s, bit);
	/* IPv4 exactly when mapped, as mapio.c reads list keys back. */
	FUZZ_CHECK(c.is_v4 == (c.prefixlen >= 96 &&
			       !memcmp(c.addr, mapped_prefix, 12)),
		   "\"%s\": is_v4 %d for a /%u %s prefix", s, c.is_v4,
		   c.prefixlen,
		   memcmp(c.addr, mapped_prefix, 12) ? "unmapped" : "mapped");
	fg_format_cidr(&c, buf, sizeof(buf));
	FUZZ_CHECK(!fg_parse_cidr(buf, &back, &why),
		   "\"%s\" formats as \"%s\", refused: %s", s, buf, why);
	FUZZ_CHECK(!memcmp(back.addr, c.addr, 16) &&
		       back.prefixlen == c.prefixlen && back.is_v4 == c.is_v4,
		   "\"%s\" -> \"%s\" parses to another prefix", s, buf);
}

static void check_ports(const char *s)
{
	struct fg_port_range r, back;
	const char *why = NULL;
	char buf[16];

	memset(&r, 0xa5, sizeof(r));
	if (fg_parse_port_range(s, &r, &why)) {
		FUZZ_CHECK(why && *why, "\"%s\": no reason", s);
		FUZZ_CHECK(untouched(&r, sizeof(r)), "\"%s\": out written", s);
		return;
	}
	FUZZ_CHECK(r.first >= 1 && r.first <= r.last, "\"%s\" -> %u-%u", s,
		   r.first, r.last);
	snprintf(buf, sizeof(buf), "%u-%u", r.first, r.last);
	FUZZ_CHECK(!fg_parse_port_range(buf, &back, &why) &&
		       back.first == r.first && back.last == r.last,
		   "\"%s\" -> %s does not parse back", s, buf);
}

/* Display of arbitrary table keys, into buffers of any length. */
static void check_format_source(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size, 0};
	uint8_t addr[16];
	unsigned int p4, p6;
	size_t len;
	char *buf;

	for (int i = 0; i < 16; i++)
		addr[i] = (uint8_t)fuzz_take(&in, 1);
	p4 = (unsigned int)fuzz_take(&in, 1);
	p6 = (unsigned int)fuzz_take(&in, 1);
	len = (size_t)fuzz_take(&in, 1) % 80;
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	fg_format_source(addr, p4, p6, buf, len);
	if (len)
		FUZZ_CHECK(strlen(buf) < len, "overflowed %zu bytes", len);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum parser p;
	char *s;

	if (size < 1)
		return 0;
	p = (enum parser)(data[0] % P_COUNT);
	if (p == P_FORMAT_SOURCE) {
		check_format_source(data + 1, size - 1);
		return 0;
	}
	s = fuzz_cstr(data + 1, size - 1);
	switch (p) {
	case P_UINT:
		check_uint(s);
		break;
	case P_SIZE:
		check_size(s);
		break;
	case P_RATE_COUNT:
		check_rate(s, FG_RATE_COUNT);
		break;
	case P_RATE_BYTES:
		check_rate(s, FG_RATE_BYTES);
		break;
	case P_DURATION:
		check_duration(s);
		break;
	case P_CIDR:
		check_cidr(s);
		break;
	default:
		check_ports(s);
		break;
	}
	free(s);
	return 0;
}
