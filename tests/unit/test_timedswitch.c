// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The timed kill-switch and mode (user/lib/timedswitch.c) on an fg_ctl in
 * memory: deadlines never early, the revert claimed once, a command that
 * replaced or cleared the deadline first wins, the time left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timedswitch.h"

#define S 1000000000ULL
#define T0 (5000 * S + 300000000ULL) /* 5000.3 s since boot */

static void test_deadline_rounds_up(void **state)
{
	(void)state;
	/* 5000.3 + 2 = 5002.3: the revert comes at 5003, never before. */
	assert_int_equal(fg_switch_deadline(T0, 2 * S), 5003);
	assert_int_equal(fg_switch_deadline(5000 * S, 2 * S), 5002);
	assert_int_equal(fg_switch_deadline(T0, 900 * S), 5901);
}

static void test_disable_for_then_revert(void **state)
{
	struct fg_ctl ctl = {.enabled = 1};
	__u32 late = 99;
	__u32 at = fg_switch_deadline(T0, 2 * S);

	(void)state;
	fg_switch_set(&ctl, FG_SWITCH_ENABLED, 0, at);
	assert_int_equal(ctl.enabled, 0);
	assert_int_equal(ctl.enabled_revert_at, 5003);
	assert_int_equal(ctl.dry_run_revert_at, 0);
	/* Not yet: 2.6 s later is still before the whole-second deadline. */
	assert_false(fg_switch_revert_due(&ctl, FG_SWITCH_ENABLED,
					  T0 + 2600000000ULL, &late));
	assert_int_equal(ctl.enabled, 0);
	assert_true(
	    fg_switch_revert_due(&ctl, FG_SWITCH_ENABLED, 5003 * S, &late));
	assert_int_equal(ctl.enabled, 1);
	assert_int_equal(ctl.enabled_revert_at, 0);
	assert_int_equal(late, 0);
	/* Once only. */
	assert_false(
	    fg_switch_revert_due(&ctl, FG_SWITCH_ENABLED, 5010 * S, &late));
}

static void test_dry_run_reverts_to_enforce(void **state)
{
	struct fg_ctl ctl = {.enabled = 1};
	__u32 late = 0;

	(void)state;
	fg_switch_set(&ctl, FG_SWITCH_DRY_RUN, 1, 5100);
	assert_int_equal(ctl.dry_run, 1);
	assert_int_equal(ctl.enabled_revert_at, 0);
	/* A daemon that was down past the deadline reverts at once and
	 * says how late. */
	assert_true(
	    fg_switch_revert_due(&ctl, FG_SWITCH_DRY_RUN, 5112 * S, &late));
	assert_int_equal(ctl.dry_run, 0);
	assert_int_equal(late, 12);
	assert_int_equal(ctl.enabled, 1); /* the other switch untouched */
}

static void test_plain_command_clears_timer(void **state)
{
	struct fg_ctl ctl = {.enabled = 1};
	__u32 late;

	(void)state;
	fg_switch_set(&ctl, FG_SWITCH_ENABLED, 0, 5003);
	/* A plain `disable` makes it for good: no revert later. */
	fg_switch_set(&ctl, FG_SWITCH_ENABLED, 0, 0);
	assert_false(
	    fg_switch_revert_due(&ctl, FG_SWITCH_ENABLED, 6000 * S, &late));
	assert_int_equal(ctl.enabled, 0);
	/* A newer --for replaces the deadline: the old one does nothing. */
	fg_switch_set(&ctl, FG_SWITCH_ENABLED, 0, 7000);
	assert_false(
	    fg_switch_revert_due(&ctl, FG_SWITCH_ENABLED, 6500 * S, &late));
	assert_int_equal(ctl.enabled, 0);
}

static void test_time_left(void **state)
{
	struct fg_ctl ctl = {0};
	char buf[32];

	(void)state;
	assert_true(fg_switch_left(&ctl, FG_SWITCH_ENABLED, T0) < 0);
	fg_switch_set(&ctl, FG_SWITCH_ENABLED, 0, 5003);
	assert_true(fg_switch_left(&ctl, FG_SWITCH_ENABLED, T0) > 2.69 &&
		    fg_switch_left(&ctl, FG_SWITCH_ENABLED, T0) < 2.71);
	/* Due but not reverted yet (no daemon): 0, never negative. */
	assert_true(fg_switch_left(&ctl, FG_SWITCH_ENABLED, 5009 * S) == 0);
	fg_format_left(2.7, buf, sizeof(buf));
	assert_string_equal(buf, "3s");
	fg_format_left(842.2, buf, sizeof(buf));
	assert_string_equal(buf, "14m03s");
	fg_format_left(3600, buf, sizeof(buf));
	assert_string_equal(buf, "1h00m00s");
	fg_format_left(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deadline_rounds_up),
	    cmocka_unit_test(test_disable_for_then_revert),
	    cmocka_unit_test(test_dry_run_reverts_to_enforce),
	    cmocka_unit_test(test_plain_command_clears_timer),
	    cmocka_unit_test(test_time_left),
	};

	return cmocka_run_group_tests_name("timedswitch", tests, NULL, NULL);
}
