// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The log's rate limit (user/lib/log.c): the decision on a clock the test
 * sets, then the lines fg_log_limited really writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#define S 1000000000ULL

static void test_limit_burst_then_window(void **state)
{
	struct fg_log_limit l = FG_LOG_LIMIT(10, 3);
	unsigned long sup = 99;
	unsigned long long t = 5 * S;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_true(fg_log_limit_pass(&l, t + (unsigned)i, &sup));
		assert_int_equal(sup, 0);
	}
	for (int i = 0; i < 7; i++)
		assert_false(fg_log_limit_pass(&l, t + 9 * S, &sup));
	/* 10 s after the window opened: a new one, which reports the 7 */
	assert_true(fg_log_limit_pass(&l, t + 10 * S, &sup));
	assert_int_equal(sup, 7);
	assert_true(fg_log_limit_pass(&l, t + 10 * S, &sup));
	assert_int_equal(sup, 0);
	assert_true(fg_log_limit_pass(&l, t + 11 * S, &sup));
	assert_false(fg_log_limit_pass(&l, t + 19 * S, &sup));
	/* a long silence: the count survives until the next line out */
	assert_true(fg_log_limit_pass(&l, t + 3600 * S, &sup));
	assert_int_equal(sup, 1);
}

static void test_limit_zero_burst_drops_all(void **state)
{
	struct fg_log_limit l = FG_LOG_LIMIT(1, 0);
	unsigned long sup = 0;

	(void)state;
	for (int i = 0; i < 5; i++)
		assert_false(
		    fg_log_limit_pass(&l, (unsigned long long)i * 2 * S, &sup));
}

/* What reaches stderr: `burst` lines, then, once a window has passed,
 * one note with the count before the next line. */
static void test_limited_output(void **state)
{
	static struct fg_log_limit l = FG_LOG_LIMIT(1, 2);
	char line[512], lines[8][512];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), n = 0;

	(void)state;
	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	for (int i = 0; i < 100; i++)
		fg_log_limited(&l, FG_LOG_WARN, "refused", "n=%d", i);
	nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 100000000}, NULL);
	fg_log_limited(&l, FG_LOG_WARN, "refused", "n=%d", 100);
	fg_log_limited(&l, FG_LOG_DEBUG, "refused", "n=%d", 101);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	while (n < 8 && fgets(line, sizeof(line), tmp))
		snprintf(lines[n++], sizeof(lines[0]), "%s", line);
	fclose(tmp);
	assert_int_equal(n, 4);
	assert_string_equal(lines[0], "level=warn msg=\"refused\" n=0\n");
	assert_string_equal(lines[1], "level=warn msg=\"refused\" n=1\n");
	assert_string_equal(lines[2],
			    "level=warn msg=\"similar messages suppressed\" "
			    "count=98 about=\"refused\"\n");
	assert_string_equal(lines[3], "level=warn msg=\"refused\" n=100\n");
}

struct pairs {
	char text[512];
	size_t len;
};

static void collect(const char *key, size_t keylen, const char *value,
		    size_t valuelen, void *arg)
{
	struct pairs *p = arg;
	int w = snprintf(p->text + p->len, sizeof(p->text) - p->len,
			 "[%.*s|%.*s]", (int)keylen, key, (int)valuelen, value);

	p->len += (size_t)w;
}

/* The pairs fg_log writes come back apart, values unquoted. */
static void test_logfmt_pairs(void **state)
{
	static const struct {
		const char *kv;
		int n;
		const char *pairs;
	} cases[] = {
	    {"", 0, ""},
	    {"iface=eth0 mode=native", 2, "[iface|eth0][mode|native]"},
	    {"error=\"no such device\" n=3", 2, "[error|no such device][n|3]"},
	    {"detail=\"a \\\"q\\\" b\\\\c\\nd\"", 1,
	     "[detail|a \"q\" b\\c\nd]"},
	    {"empty=\"\" x=", 2, "[empty|][x|]"},
	    /* Malformed: stops at the first bad token, keeps what came
	     * before. */
	    {"a=1 b", 1, "[a|1]"},
	    {"a=1 b=\"open", 1, "[a|1]"},
	    {"=v", 0, ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pairs p = {.len = 0};

		p.text[0] = '\0';
		assert_int_equal(fg_logfmt_pairs(cases[i].kv, collect, &p),
				 cases[i].n);
		assert_string_equal(p.text, cases[i].pairs);
	}
}

/* What fg_q quotes, fg_logfmt_pairs gives back as it was. */
static void test_logfmt_round_trip(void **state)
{
	static const char *const values[] = {
	    "plain", "with space", "q\"uote", "back\\slash", "new\nline", ""};
	char kv[256];

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct pairs p = {.len = 0};
		char want[128];

		snprintf(kv, sizeof(kv), "k=%s", fg_q(values[i]));
		assert_int_equal(fg_logfmt_pairs(kv, collect, &p), 1);
		snprintf(want, sizeof(want), "[k|%s]", values[i]);
		assert_string_equal(p.text, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit_burst_then_window),
	    cmocka_unit_test(test_limit_zero_burst_drops_all),
	    cmocka_unit_test(test_limited_output),
	    cmocka_unit_test(test_logfmt_pairs),
	    cmocka_unit_test(test_logfmt_round_trip),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
