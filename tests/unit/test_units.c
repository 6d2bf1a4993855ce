// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Unit parsers and formatters (user/lib/units.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "units.h"

#define S 1000000000ULL
#define M (60 * S)
#define H (3600 * S)

struct rate_case {
	const char *text;
	enum fg_rate_kind kind;
	__u64 amount, per_ns;
};

static void test_rate_valid(void **state)
{
	static const struct rate_case cases[] = {
	    {"200/s", FG_RATE_COUNT, 200, S},
	    {"12000/m", FG_RATE_COUNT, 12000, M},
	    {"1/h", FG_RATE_COUNT, 1, H},
	    {"0", FG_RATE_COUNT, 0, S},
	    {"0/s", FG_RATE_COUNT, 0, S},
	    {"0", FG_RATE_BYTES, 0, S},
	    {"100B/s", FG_RATE_BYTES, 100, S},
	    {"1000/s", FG_RATE_BYTES, 1000, S},
	    {"512KB/s", FG_RATE_BYTES, 512000, S},
	    {"512kB/s", FG_RATE_BYTES, 512000, S},
	    {"10MB/s", FG_RATE_BYTES, 10000000, S},
	    {"1GB/h", FG_RATE_BYTES, 1000000000, H},
	    {"80Mbit/s", FG_RATE_BYTES, 10000000, S},
	    {"1Gbit/s", FG_RATE_BYTES, 125000000, S},
	    {"8Kbit/m", FG_RATE_BYTES, 1000, M},
	    {"8kbit/s", FG_RATE_BYTES, 1000, S},
	    {"64bit/s", FG_RATE_BYTES, 8, S},
	    /* Not whole bytes: the period stretches, nothing is lost. */
	    {"100bit/s", FG_RATE_BYTES, 25, 2 * S},
	    {"1bit/s", FG_RATE_BYTES, 1, 8 * S},
	    {"18446744073709551615/s", FG_RATE_COUNT, UINT64_MAX, S},
	    /* long period names */
	    {"200/sec", FG_RATE_COUNT, 200, S},
	    {"12000/min", FG_RATE_COUNT, 12000, M},
	    {"1/hour", FG_RATE_COUNT, 1, H},
	    {"10MB/sec", FG_RATE_BYTES, 10000000, S},
	    /* IEC sizes: 1024-based */
	    {"10KiB/s", FG_RATE_BYTES, 10240, S},
	    {"1MiB/s", FG_RATE_BYTES, 1048576, S},
	    {"3MiB/min", FG_RATE_BYTES, 3145728, M},
	    {"1GiB/h", FG_RATE_BYTES, 1073741824, H},
	    /* tc(8)'s bit rates: lower case, and per second when alone */
	    {"80mbit/s", FG_RATE_BYTES, 10000000, S},
	    {"80mbit", FG_RATE_BYTES, 10000000, S},
	    {"1gbit", FG_RATE_BYTES, 125000000, S},
	    {"1Gbit", FG_RATE_BYTES, 125000000, S},
	    {"500kbit", FG_RATE_BYTES, 62500, S},
	    {"100bit", FG_RATE_BYTES, 25, 2 * S},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_rate r = {7, 7};
		const char *why = NULL;

		if (fg_parse_rate(cases[i].text, cases[i].kind, &r, &why))
			fail_msg("%s: %s", cases[i].text, why);
		assert_int_equal(r.amount, cases[i].amount);
		if (cases[i].amount)
			assert_int_equal(r.per_ns, cases[i].per_ns);
	}
}

struct bad_case {
	const char *text;
	const char *why; /* substring of the reason */
};

static void check_bad_rates(enum fg_rate_kind kind,
			    const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fg_rate r = {7, 9};
		const char *why = NULL;

		if (!fg_parse_rate(cases[i].text, kind, &r, &why))
			fail_msg("\"%s\" parsed", cases[i].text);
		assert_non_null(why);
		if (!strstr(why, cases[i].why))
			fail_msg("\"%s\": why \"%s\", want \"%s\"",
				 cases[i].text, why, cases[i].why);
		/* out untouched on error */
		assert_int_equal(r.amount, 7);
		assert_int_equal(r.per_ns, 9);
	}
}

static void test_rate_invalid(void **state)
{
	static const struct bad_case count[] = {
	    {"", "expected a rate like 200/s"},
	    {"abc", "expected a rate like 200/s"},
	    {"200", "missing a period"},
	    {"-1/s", "expected a rate"},
	    {"+1/s", "expected a rate"},
	    {" 200/s", "expected a rate"},
	    {"200/s ", "period is /s, /m or /h"},
	    {"200/d", "period is /s, /m or /h"},
	    {"200/", "period is /s, /m or /h"},
	    {"200/second", "period is /s, /m or /h (or /sec, /min, /hour)"},
	    {"200/mins", "period is /s, /m or /h"},
	    {"80mbit", "take no size unit"},
	    {"1KiB/s", "take no size unit"},
	    {"/s", "expected a rate"},
	    {"1.5/s", "expected a rate"},
	    {"200 /s", "expected a rate"},
	    {"10MB/s", "take no size unit"},
	    {"8Mbit/s", "take no size unit"},
	    {"18446744073709551616/s", "too large"},
	};
	static const struct bad_case bytes[] = {
	    {"", "expected a rate like 100/s, 10MB/s or 80Mbit/s"},
	    {"10MB", "missing a period"},
	    {"10MB", "a bit rate alone, like 80mbit, is per second"},
	    {"10MiB", "missing a period"},
	    {"10kib/s", "(also 10MiB/s, 80mbit)"},
	    {"10KIB/s", "expected a rate"},
	    {"80mbits", "expected a rate"},
	    {"80mbps", "expected a rate"},
	    {"80mbit/", "period is /s, /m or /h"},
	    {"10XB/s", "expected a rate like 100/s, 10MB/s"},
	    {"10mb/s", "expected a rate"},
	    {"10MB/w", "period is /s, /m or /h"},
	    {"-10MB/s", "expected a rate"},
	    {"20000000000GB/s", "too large"},
	    {"10MB/s/s", "period"},
	};
	(void)state;
	check_bad_rates(FG_RATE_COUNT, count, sizeof(count) / sizeof(count[0]));
	check_bad_rates(FG_RATE_BYTES, bytes, sizeof(bytes) / sizeof(bytes[0]));
}

static void test_size(void **state)
{
	static const struct {
		const char *text;
		__u64 bytes;
	} ok[] = {
	    {"0", 0},
	    {"1518", 1518},
	    {"100B", 100},
	    {"64KB", 64000},
	    {"64kB", 64000},
	    {"10MB", 10000000},
	    {"1GB", 1000000000},
	    {"64KiB", 65536},
	    {"1MiB", 1048576},
	    {"2GiB", 2147483648ULL},
	    {"18446744073709551615", UINT64_MAX},
	};
	static const char *const bad[] = {
	    "",
	    "MB",
	    "10Mbit",
	    "10bit",
	    "-1",
	    "1.5MB",
	    "10 MB",
	    "10M",
	    "10mb",
	    "64kib",
	    "64KIB",
	    "10mbit",
	    "20000000000GiB",
	    "10MB ",
	    " 10",
	    "99999999999GB",
	    "18446744073709551616",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *why = NULL;
		__u64 v = 1;

		if (fg_parse_size(ok[i].text, &v, &why))
			fail_msg("%s: %s", ok[i].text, why);
		assert_int_equal(v, ok[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		__u64 v = 77;

		if (!fg_parse_size(bad[i], &v, &why))
			fail_msg("\"%s\" parsed", bad[i]);
		assert_non_null(why);
		assert_int_equal(v, 77);
	}
	{
		const char *why = NULL;
		__u64 v;

		assert_int_equal(fg_parse_size("10 MB", &v, &why), -EINVAL);
		assert_non_null(strstr(why, "expected a size like"));
		assert_int_equal(fg_parse_size("99999999999GB", &v, &why),
				 -EINVAL);
		assert_non_null(strstr(why, "too large"));
	}
}

static void test_duration(void **state)
{
	static const struct {
		const char *text;
		__u64 ns;
	} ok[] = {
	    {"0", 0},  {"500ms", 500000000ULL}, {"30s", 30 * S}, {"5m", 5 * M},
	    {"1h", H}, {"24h", 24 * H},		{"0s", 0},
	};
	static const char *const bad[] = {
	    "",	 "30",	 "1d",	"-1s", "30sec", "1.5s",
	    "s", "30 s", "30S", "5m ", "1us",	"999999999999h",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *why = NULL;
		__u64 v = 1;

		if (fg_parse_duration(ok[i].text, &v, &why))
			fail_msg("%s: %s", ok[i].text, why);
		assert_int_equal(v, ok[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		__u64 v = 77;

		if (!fg_parse_duration(bad[i], &v, &why))
			fail_msg("\"%s\" parsed", bad[i]);
		assert_non_null(why);
		assert_int_equal(v, 77);
	}
	{
		const char *why = NULL;
		__u64 v;

		assert_int_equal(fg_parse_duration("30", &v, &why), -EINVAL);
		assert_non_null(strstr(why, "like 500ms, 30s, 5m or 1h"));
	}
}

static void test_cidr_valid(void **state)
{
	static const __u8 v4net[16] = {0, 0, 0,	   0,	 0,   0, 0, 0,
				       0, 0, 0xff, 0xff, 192, 0, 2, 0};
	static const __u8 v4host[16] = {0, 0, 0,    0,	  0,   0,  0,	0,
					0, 0, 0xff, 0xff, 198, 51, 100, 7};
	static const __u8 v6net[16] = {0x20, 0x01, 0x0d, 0xb8};
	static const __u8 v6host[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					0,    0,    0,	  0,	0, 0, 0, 1};
	static const __u8 mapped_any[16] = {0, 0, 0,	0,    0, 0, 0, 0,
					    0, 0, 0xff, 0xff, 0, 0, 0, 0};
	static const __u8 zero[16] = {0};
	static const __u8 fffe_net[16] = {0, 0, 0, 0, 0,    0,
					  0, 0, 0, 0, 0xff, 0xfe};
	static const struct {
		const char *text;
		const __u8 *addr;
		unsigned int prefixlen;
		bool is_v4;
	} cases[] = {
	    {"192.0.2.0/24", v4net, 120, true},
	    {"198.51.100.7", v4host, 128, true},
	    {"198.51.100.7/32", v4host, 128, true},
	    {"0.0.0.0/0", mapped_any, 96, true},
	    {"2001:db8::/32", v6net, 32, false},
	    {"2001:db8::1", v6host, 128, false},
	    {"2001:db8::1/128", v6host, 128, false},
	    {"::/0", zero, 0, false},
	    /* IPv4-mapped: the IPv4 prefix it is, as the datapath keys it. */
	    {"::ffff:192.0.2.0/120", v4net, 120, true},
	    {"::ffff:198.51.100.7", v4host, 128, true},
	    {"::ffff:0:0/96", mapped_any, 96, true},
	    {"::fffe:0:0/96", fffe_net, 96, false},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_cidr c;
		const char *why = NULL;

		memset(&c, 0xee, sizeof(c));
		if (fg_parse_cidr(cases[i].text, &c, &why))
			fail_msg("%s: %s", cases[i].text, why);
		assert_memory_equal(c.addr, cases[i].addr, 16);
		assert_int_equal(c.prefixlen, cases[i].prefixlen);
		assert_int_equal(c.is_v4, cases[i].is_v4);
	}
}

static void test_cidr_invalid(void **state)
{
	static const struct bad_case cases[] = {
	    {"192.0.2.1/24", "host bits set; did you mean 192.0.2.0/24?"},
	    {"198.51.100.129/25",
	     "host bits set; did you mean 198.51.100.128/25?"},
	    {"2001:db8::1/32", "host bits set; did you mean 2001:db8::/32?"},
	    {"192.0.2.0/33", "IPv4 prefix length is 0 to 32"},
	    {"2001:db8::/129", "IPv6 prefix length is 0 to 128"},
	    {"192.0.2.0/", "prefix length"},
	    {"192.0.2.0/24x", "prefix length"},
	    {"192.0.2.0/-1", "prefix length"},
	    {"192.0.2", "expected an address or CIDR like 192.0.2.0/24"},
	    {"192.0.2.256", "expected an address or CIDR"},
	    {"example.com", "expected an address or CIDR"},
	    {"", "expected an address or CIDR"},
	    {"/24", "expected an address or CIDR"},
	    {" 192.0.2.0/24", "expected an address or CIDR"},
	    {"2001:db8:::/32", "expected an address or CIDR"},
	    {"192.0.2.0:80", "expected an address or CIDR"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_cidr c = {.prefixlen = 99};
		const char *why = NULL;

		if (fg_parse_cidr(cases[i].text, &c, &why) != -EINVAL)
			fail_msg("\"%s\" parsed", cases[i].text);
		if (!why || !strstr(why, cases[i].why))
			fail_msg("\"%s\": why \"%s\", want \"%s\"",
				 cases[i].text, why ? why : "(null)",
				 cases[i].why);
		assert_int_equal(c.prefixlen, 99);
	}
}

static void test_port_range(void **state)
{
	static const struct {
		const char *text;
		__u16 first, last;
	} ok[] = {
	    {"80", 80, 80},	     {"1", 1, 1},
	    {"65535", 65535, 65535}, {"8000-8099", 8000, 8099},
	    {"1-65535", 1, 65535},   {"443-443", 443, 443},
	};
	static const struct bad_case bad[] = {
	    {"0", "a port is 1 to 65535"},
	    {"65536", "a port is 1 to 65535"},
	    {"80-70", "range start above end"},
	    {"0-80", "a port is 1 to 65535"},
	    {"80-65536", "a port is 1 to 65535"},
	    {"", "expected a port like 80"},
	    {"80-", "expected a port like 80"},
	    {"-80", "expected a port like 80"},
	    {"80 ", "expected a port like 80"},
	    {"80 - 90", "expected a port like 80"},
	    {"http", "expected a port like 80"},
	    {"80-90-100", "expected a port like 80"},
	    {"99999999999999999999", "expected a port like 80"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct fg_port_range r;
		const char *why = NULL;

		if (fg_parse_port_range(ok[i].text, &r, &why))
			fail_msg("%s: %s", ok[i].text, why);
		assert_int_equal(r.first, ok[i].first);
		assert_int_equal(r.last, ok[i].last);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fg_port_range r = {7, 7};
		const char *why = NULL;

		if (fg_parse_port_range(bad[i].text, &r, &why) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i].text);
		if (!why || !strstr(why, bad[i].why))
			fail_msg("\"%s\": why \"%s\", want \"%s\"", bad[i].text,
				 why ? why : "(null)", bad[i].why);
		assert_int_equal(r.first, 7);
	}
}

static void test_uint(void **state)
{
	const char *why = NULL;
	__u64 v = 0;

	(void)state;
	assert_int_equal(fg_parse_uint("0", 0, 10, &v, &why), 0);
	assert_int_equal(v, 0);
	assert_int_equal(fg_parse_uint("42", 1, 100, &v, &why), 0);
	assert_int_equal(v, 42);
	assert_int_equal(fg_parse_uint("007", 1, 100, &v, &why), 0);
	assert_int_equal(v, 7);
	assert_int_equal(fg_parse_uint("100", 1, 100, &v, &why), 0);
	assert_int_equal(v, 100);
	assert_int_equal(
	    fg_parse_uint("18446744073709551615", 0, UINT64_MAX, &v, &why), 0);
	assert_true(v == UINT64_MAX);

	v = 5;
	assert_int_equal(fg_parse_uint("101", 1, 100, &v, &why), -EINVAL);
	assert_string_equal(why, "expected a whole number from 1 to 100");
	assert_int_equal(fg_parse_uint("0", 1, 100, &v, &why), -EINVAL);
	assert_string_equal(why, "expected a whole number from 1 to 100");
	assert_int_equal(
	    fg_parse_uint("18446744073709551616", 0, UINT64_MAX, &v, &why),
	    -EINVAL);
	assert_non_null(strstr(why, "whole number from 0 to"));
	assert_int_equal(fg_parse_uint("", 0, 10, &v, &why), -EINVAL);
	assert_string_equal(why, "expected a whole number");
	assert_int_equal(fg_parse_uint("-1", 0, 10, &v, &why), -EINVAL);
	assert_int_equal(fg_parse_uint("+1", 0, 10, &v, &why), -EINVAL);
	assert_int_equal(fg_parse_uint("1x", 0, 10, &v, &why), -EINVAL);
	assert_int_equal(fg_parse_uint(" 1", 0, 10, &v, &why), -EINVAL);
	assert_int_equal(fg_parse_uint("1 ", 0, 10, &v, &why), -EINVAL);
	assert_int_equal(fg_parse_uint("0x10", 0, 100, &v, &why), -EINVAL);
	assert_int_equal(fg_parse_uint("1.0", 0, 10, &v, &why), -EINVAL);
	assert_int_equal(v, 5);
}

static void test_format_cidr_addr(void **state)
{
	static const char *const round[] = {
	    "192.0.2.0/24",    "198.51.100.7/32", "0.0.0.0/0",
	    "2001:db8::/32",   "::1/128",	  "::/0",
	    "2001:db8::1/128",
	};
	char buf[64];
	(void)state;
	for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		struct fg_cidr c;
		const char *why;

		assert_int_equal(fg_parse_cidr(round[i], &c, &why), 0);
		fg_format_cidr(&c, buf, sizeof(buf));
		assert_string_equal(buf, round[i]);
	}
	{
		struct fg_cidr c;
		const char *why;

		/* A bare address formats as its host prefix. */
		assert_int_equal(fg_parse_cidr("203.0.113.9", &c, &why), 0);
		fg_format_cidr(&c, buf, sizeof(buf));
		assert_string_equal(buf, "203.0.113.9/32");
		fg_format_addr(c.addr, buf, sizeof(buf));
		assert_string_equal(buf, "203.0.113.9");
		assert_int_equal(fg_parse_cidr("2001:db8::5", &c, &why), 0);
		fg_format_addr(c.addr, buf, sizeof(buf));
		assert_string_equal(buf, "2001:db8::5");
		/* Truncated, still terminated. */
		fg_format_addr(c.addr, buf, 5);
		assert_string_equal(buf, "2001");
	}
}

/* Sources as the table keys them: a prefix shorter than a host shows. */
static void test_format_source(void **state)
{
	struct fg_cidr c;
	const char *why;
	char buf[64];

	(void)state;
	assert_int_equal(fg_parse_cidr("192.0.2.7", &c, &why), 0);
	fg_format_source(c.addr, 32, 64, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.7");
	assert_int_equal(fg_parse_cidr("192.0.2.0/24", &c, &why), 0);
	fg_format_source(c.addr, 24, 64, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.0/24");
	assert_int_equal(fg_parse_cidr("2001:db8:1:2::/64", &c, &why), 0);
	fg_format_source(c.addr, 32, 64, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:1:2::/64");
	assert_int_equal(fg_parse_cidr("2001:db8::5", &c, &why), 0);
	fg_format_source(c.addr, 32, 128, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::5");
}

static void test_format_source_cut(void **state)
{
	static const struct {
		const char *addr;
		unsigned int key4, key6, log4, log6;
		const char *shown;
	} cases[] = {
	    {"192.0.2.7", 32, 64, 32, 128, "192.0.2.7"},
	    {"192.0.2.7", 32, 64, 24, 128, "192.0.2.0/24"},
	    {"192.0.2.7", 32, 64, 0, 128, "0.0.0.0/0"},
	    {"192.0.2.200", 32, 64, 25, 128, "192.0.2.128/25"},
	    /* The key's own prefix is shorter: it stays. */
	    {"192.0.2.0/24", 24, 64, 28, 128, "192.0.2.0/24"},
	    {"2001:db8:1:2::/64", 32, 64, 32, 48, "2001:db8:1::/48"},
	    {"2001:db8:1:2::/64", 32, 64, 32, 128, "2001:db8:1:2::/64"},
	    {"2001:db8::ff", 32, 128, 32, 121, "2001:db8::80/121"},
	};
	struct fg_cidr c;
	const char *why;
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fg_parse_cidr(cases[i].addr, &c, &why), 0);
		fg_format_source_cut(c.addr, cases[i].key4, cases[i].key6,
				     cases[i].log4, cases[i].log6, buf,
				     sizeof(buf));
		assert_string_equal(buf, cases[i].shown);
	}
}

static void test_format_rate(void **state)
{
	static const struct {
		struct fg_rate r;
		enum fg_rate_kind kind;
		const char *text;
	} cases[] = {
	    {{1000, S}, FG_RATE_COUNT, "1000/s"},
	    {{12000, M}, FG_RATE_COUNT, "12000/m"},
	    {{1, H}, FG_RATE_COUNT, "1/h"},
	    {{0, S}, FG_RATE_COUNT, "unlimited"},
	    {{0, S}, FG_RATE_BYTES, "unlimited"},
	    {{10000000, S}, FG_RATE_BYTES, "10MB/s"},
	    {{512000, S}, FG_RATE_BYTES, "512KB/s"},
	    {{1000000000, H}, FG_RATE_BYTES, "1GB/h"},
	    {{100, S}, FG_RATE_BYTES, "100B/s"},
	    {{25, 2 * S}, FG_RATE_BYTES, "100bit/s"},
	    {{1, 8 * S}, FG_RATE_BYTES, "1bit/s"},
	    {{3, 2 * S}, FG_RATE_COUNT, "90/m"},
	    {{7, 7}, FG_RATE_COUNT, "1000000000/s"},
	    {{1, 7}, FG_RATE_COUNT, "1/7ns"},
	};
	char buf[64];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fg_format_rate(&cases[i].r, cases[i].kind, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

/* What is formatted parses back to the same rate. */
static void test_rate_round_trip(void **state)
{
	static const struct {
		const char *text;
		enum fg_rate_kind kind;
	} cases[] = {
	    {"200/s", FG_RATE_COUNT},	 {"12000/m", FG_RATE_COUNT},
	    {"1/h", FG_RATE_COUNT},	 {"80Mbit/s", FG_RATE_BYTES},
	    {"1Gbit/s", FG_RATE_BYTES},	 {"100bit/s", FG_RATE_BYTES},
	    {"512KB/s", FG_RATE_BYTES},	 {"1GB/h", FG_RATE_BYTES},
	    {"12345B/m", FG_RATE_BYTES}, {"7bit/h", FG_RATE_BYTES},
	    {"10MiB/s", FG_RATE_BYTES},	 {"80mbit", FG_RATE_BYTES},
	    {"3/min", FG_RATE_COUNT},	 {"1GiB/hour", FG_RATE_BYTES},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_rate a, b;
		const char *why;
		char buf[64];

		assert_int_equal(
		    fg_parse_rate(cases[i].text, cases[i].kind, &a, &why), 0);
		fg_format_rate(&a, cases[i].kind, buf, sizeof(buf));
		if (fg_parse_rate(buf, cases[i].kind, &b, &why))
			fail_msg("%s formatted as %s: %s", cases[i].text, buf,
				 why);
		/* the same rate: a.amount / a.per_ns == b.amount / b.per_ns */
		assert_true((unsigned __int128)a.amount * b.per_ns ==
			    (unsigned __int128)b.amount * a.per_ns);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_valid),
	    cmocka_unit_test(test_rate_invalid),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_cidr_valid),
	    cmocka_unit_test(test_cidr_invalid),
	    cmocka_unit_test(test_port_range),
	    cmocka_unit_test(test_uint),
	    cmocka_unit_test(test_format_cidr_addr),
	    cmocka_unit_test(test_format_source),
	    cmocka_unit_test(test_format_source_cut),
	    cmocka_unit_test(test_format_rate),
	    cmocka_unit_test(test_rate_round_trip),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
