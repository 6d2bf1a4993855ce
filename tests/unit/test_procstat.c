// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The process_* metrics' source (user/lib/procstat.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "procstat.h"

/* A comm with spaces and ')' in it, as a process may name itself. */
static const char stat_line[] =
    "4242 (fg d) (x)) S 1 4242 4242 0 -1 4194560 900 0 0 0 "
    "250 125 0 0 20 0 3 0 360000 123456789 2048 18446744073709551615 "
    "1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

static void test_parse(void **state)
{
	struct fg_process_stats p = {0};

	(void)state;
	assert_int_equal(
	    fg_procstat_parse(stat_line, 100, 4096, 1700000000.0, &p), 0);
	/* utime 250 + stime 125 ticks at 100/s */
	assert_true(p.cpu_seconds == 3.75);
	/* started 360000 ticks (3600 s) after boot */
	assert_true(p.start_time == 1700003600.0);
	assert_true(p.virtual_bytes == 123456789.0);
	assert_true(p.resident_bytes == 2048.0 * 4096);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
	    "",
	    "4242 fg S 1 2 3",		    /* no (comm) */
	    "4242 (fg) S 1 4242 4242 0 -1", /* cut short */
	    "4242 (fg) S 1 4242 4242 0 -1 4194560 900 0 0 0 x 125 0 0 20 0 3 "
	    "0 360000 123456789 2048",
	};
	struct fg_process_stats p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fg_procstat_parse(bad[i], 100, 4096, 0, &p),
				 -EINVAL);
	assert_int_equal(fg_procstat_parse(stat_line, 0, 4096, 0, &p), -EINVAL);
}

/* This very process: started in the last hour, has memory, and its
 * descriptors counted exactly (three more opened, three more seen). */
static void test_read_self(void **state)
{
	struct fg_process_stats a, b;
	struct timeval now;
	struct rlimit rl;
	int fds[3];

	(void)state;
	gettimeofday(&now, NULL);
	assert_int_equal(fg_procstat_read(&a), 0);
	assert_true(a.start_time <= (double)now.tv_sec + 1);
	assert_true(a.start_time > (double)now.tv_sec - 3600);
	assert_true(a.resident_bytes > 0);
	assert_true(a.virtual_bytes >= a.resident_bytes);
	assert_true(a.cpu_seconds >= 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_true(a.max_fds == (double)rl.rlim_cur);
	for (int i = 0; i < 3; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(fg_procstat_read(&b), 0);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	assert_true(b.open_fds == a.open_fds + 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests_name("procstat", tests, NULL, NULL);
}
