// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The list file parser (user/lib/listfile.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "listfile.h"
#include "tmpfiles.h"

#define BIG 1000000

struct list {
	struct fg_cidr *a;
	size_t n, cap;
	char err[512];
};

static int parse(struct list *l, const char *text, size_t max)
{
	return fg_listfile_parse(text, strlen(text), "drop.txt", &l->a, &l->n,
				 &l->cap, max, l->err, sizeof(l->err));
}

static void assert_cidr(const struct fg_cidr *c, const char *want)
{
	char buf[64];

	fg_format_cidr(c, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_formats(void **state)
{
	struct list l = {0};

	(void)state;
	assert_int_equal(
	    parse(&l,
		  "# a whole-line comment\n"
		  "\n"
		  "192.0.2.0/24\n"
		  "  198.51.100.7   # a bare address, then a comment\n"
		  "; Spamhaus DROP List 2026/01/01 - (c) 2026 The Spamhaus\n"
		  "203.0.113.0/25 ; SBL123456\n"
		  "203.0.113.128/25;SBL7\r\n"
		  "\t2001:db8::/32\t\r\n"
		  "2001:db8:1::5\r\n"
		  "   \r\n"
		  "2001:db8:2::/64#no space before the comment",
		  BIG),
	    0);
	assert_int_equal(l.n, 7);
	assert_cidr(&l.a[0], "192.0.2.0/24");
	assert_cidr(&l.a[1], "198.51.100.7/32");
	assert_true(l.a[1].is_v4);
	assert_cidr(&l.a[2], "203.0.113.0/25");
	assert_cidr(&l.a[3], "203.0.113.128/25");
	assert_cidr(&l.a[4], "2001:db8::/32");
	assert_false(l.a[4].is_v4);
	assert_cidr(&l.a[5], "2001:db8:1::5/128");
	assert_cidr(&l.a[6], "2001:db8:2::/64");
	free(l.a);
}

static void test_empty(void **state)
{
	struct list l = {0};

	(void)state;
	assert_int_equal(parse(&l, "", BIG), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(parse(&l, "# only comments\n\n; and more\r\n", BIG),
			 0);
	assert_int_equal(l.n, 0);
	free(l.a);
}

/* Each bad line names the file, its line and what is wrong, and what
 * was there before the parse stays. */
static void test_bad_lines(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
	    {"192.0.2.0/24\n192.0.2.300\n",
	     "drop.txt:2: \"192.0.2.300\": expected an address or CIDR"},
	    {"# x\n\n192.0.2.1 192.0.2.2\n",
	     "drop.txt:3: \"192.0.2.1 192.0.2.2\": one CIDR or address a line; "
	     "a comment starts with # or ;"},
	    {"192.0.2.1/24 ; SBL1\n",
	     "drop.txt:1: \"192.0.2.1/24\": host bits set; did you mean "
	     "192.0.2.0/24?"},
	    {"2001:db8::/129\n",
	     "drop.txt:1: \"2001:db8::/129\": an IPv6 prefix length is 0 to "
	     "128"},
	    {"\r\n\r\nhello\r\n",
	     "drop.txt:3: \"hello\": expected an address or CIDR"},
	    {"2001:db8::1/64/64\n",
	     "drop.txt:1: \"2001:db8::1/64/64\": an IPv6 prefix length is 0 "
	     "to 128"},
	};
	struct list l = {0};

	(void)state;
	assert_int_equal(parse(&l, "198.51.100.0/24\n", BIG), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&l, cases[i].text, BIG), -EINVAL);
		/* fg_parse_cidr's generic message may say more: the start
		 * is what this module adds. */
		if (strncmp(l.err, cases[i].err, strlen(cases[i].err)))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, l.err,
				 cases[i].err);
		assert_int_equal(l.n, 1);
		assert_cidr(&l.a[0], "198.51.100.0/24");
	}
	free(l.a);
}

static void test_max(void **state)
{
	struct list l = {0};

	(void)state;
	assert_int_equal(parse(&l, "192.0.2.1\n192.0.2.2\n", 3), 0);
	assert_int_equal(parse(&l, "# x\n192.0.2.3\n192.0.2.4\n", 3), -ENOSPC);
	assert_string_equal(l.err, "drop.txt:3: more than 3 list entries; "
				   "the lists and their files hold at most 3");
	assert_int_equal(l.n, 2);
	free(l.a);
}

/* A million lines: all read, and fast (no per-line allocation). */
static void test_million(void **state)
{
	const size_t line = 32;
	char *text = malloc(BIG * line + 1), *p = text;
	struct list l = {0};
	struct timespec t0, t1;
	double s;

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < BIG; i++)
		p += sprintf(p, "2001:db8:%zx:%zx::/64 ; SBL%zu\n", i >> 16,
			     i & 0xffff, i % 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(fg_listfile_parse(text, (size_t)(p - text), "big",
					   &l.a, &l.n, &l.cap, BIG, l.err,
					   sizeof(l.err)),
			 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("1000000 lines parsed in %.3f s\n", s);
	assert_int_equal(l.n, BIG);
	assert_cidr(&l.a[0], "2001:db8::/64");
	assert_cidr(&l.a[BIG - 1], "2001:db8:f:423f::/64");
	/* A gross guard only (quadratic growth would take minutes); the
	 * time itself is reported, not asserted, on a shared machine. */
	assert_true(s < 5.0);
	free(text);
	free(l.a);
}

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/fg-listfile.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/deny.txt", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_file(void **state)
{
	struct fx *f = *state;
	struct list l = {0};
	char want[256];

	write_file(f->path, "192.0.2.0/24\n# x\n2001:db8::/48 ; SBL9\n", 0644);
	assert_int_equal(fg_listfile_load(f->path, &l.a, &l.n, &l.cap, BIG,
					  l.err, sizeof(l.err)),
			 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(fg_listfile_line_of(f->path, &l.a[1]), 3);
	assert_int_equal(fg_listfile_line_of(f->path, &l.a[0]), 1);

	/* Appends: a second file (here the same) adds after the first. */
	assert_int_equal(fg_listfile_load(f->path, &l.a, &l.n, &l.cap, BIG,
					  l.err, sizeof(l.err)),
			 0);
	assert_int_equal(l.n, 4);
	assert_cidr(&l.a[3], "2001:db8::/48");

	write_file(f->path, "192.0.2.0/24\n192.0.2.0/33\n", 0644);
	assert_int_equal(fg_listfile_load(f->path, &l.a, &l.n, &l.cap, BIG,
					  l.err, sizeof(l.err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s:2: \"192.0.2.0/33\": ", f->path);
	assert_memory_equal(l.err, want, strlen(want));
	assert_int_equal(l.n, 4);

	/* Whoever could write it would decide what is dropped. */
	write_file(f->path, "192.0.2.0/24\n", 0664);
	assert_int_equal(fg_listfile_load(f->path, &l.a, &l.n, &l.cap, BIG,
					  l.err, sizeof(l.err)),
			 -EPERM);
	assert_non_null(strstr(l.err, "is writable by group or others"));
	assert_int_equal(l.n, 4);

	/* A FIFO would block the daemon: regular files only. */
	assert_int_equal(fg_listfile_load(f->dir, &l.a, &l.n, &l.cap, BIG,
					  l.err, sizeof(l.err)),
			 -EISDIR);
	snprintf(want, sizeof(want), "%s: not a regular file (a directory)",
		 f->dir);
	assert_string_equal(l.err, want);
	unlink(f->path);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(fg_listfile_load(f->path, &l.a, &l.n, &l.cap, BIG,
					  l.err, sizeof(l.err)),
			 -EINVAL);
	assert_int_equal(l.n, 4);

	unlink(f->path);
	assert_int_equal(fg_listfile_load(f->path, &l.a, &l.n, &l.cap, BIG,
					  l.err, sizeof(l.err)),
			 -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: cannot read: No such file or directory", f->path);
	assert_string_equal(l.err, want);
	assert_int_equal(fg_listfile_line_of(f->path, &l.a[0]), 0);
	free(l.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_max),
	    cmocka_unit_test(test_million),
	    cmocka_unit_test_setup_teardown(test_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
