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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit_burst_then_window),
	    cmocka_unit_test(test_limit_zero_burst_drops_all),
	    cmocka_unit_test(test_limited_output),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
