// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `floodgate top --watch`'s rates (user/lib/top.c, fg_top_rates): two
 * reads of the source table into per-source rates, ordered by drop rate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "top.h"

static struct fg_top_entry src(__u8 last, __u64 passed, __u64 dropped)
{
	struct fg_top_entry e = {.passed = passed, .dropped = dropped};

	e.addr[10] = 0xff;
	e.addr[11] = 0xff;
	e.addr[12] = 203;
	e.addr[14] = 113;
	e.addr[15] = last;
	return e;
}

static void test_rates_sorted_by_drop_rate(void **state)
{
	/* Sorted by address, as fg_top_read leaves them. */
	struct fg_top_entry prev[] = {src(1, 100, 0), src(2, 1000, 16000),
				      src(3, 50, 32)};
	struct fg_top_entry cur[] = {src(1, 300, 0), src(2, 1400, 24000),
				     src(3, 60, 64)};
	struct fg_top_rate r[3];

	(void)state;
	fg_top_rates(prev, 3, cur, 3, 2.0, FG_TOP_BY_DROPS, r);
	assert_int_equal(r[0].addr[15], 2);
	assert_true(r[0].drop_pps == 4000 && r[0].pass_pps == 200);
	assert_int_equal(r[0].state, FG_TOP_LIMITED);
	assert_int_equal(r[0].dropped, 24000);
	assert_int_equal(r[1].addr[15], 3);
	assert_true(r[1].drop_pps == 16 && r[1].pass_pps == 5);
	/* Most cumulative passes, but no drops now: last, not limited. */
	assert_int_equal(r[2].addr[15], 1);
	assert_true(r[2].drop_pps == 0 && r[2].pass_pps == 100);
	assert_int_equal(r[2].state, FG_TOP_OK);
}

static void test_rates_by_packets(void **state)
{
	struct fg_top_entry prev[] = {src(1, 0, 0), src(2, 0, 0)};
	struct fg_top_entry cur[] = {src(1, 900, 0), src(2, 100, 320)};
	struct fg_top_rate r[2];

	(void)state;
	fg_top_rates(prev, 2, cur, 2, 1.0, FG_TOP_BY_PACKETS, r);
	assert_int_equal(r[0].addr[15], 1); /* 900/s against 420/s */
	assert_int_equal(r[1].addr[15], 2);
	fg_top_rates(prev, 2, cur, 2, 1.0, FG_TOP_BY_DROPS, r);
	assert_int_equal(r[0].addr[15], 2);
}

static void test_new_and_recreated_sources(void **state)
{
	/* 2 is new; 3's entry was evicted and made again (counts went
	 * back); 1 is gone. */
	struct fg_top_entry prev[] = {src(1, 5, 5), src(3, 900, 900)};
	struct fg_top_entry cur[] = {src(2, 10, 0), src(3, 20, 48)};
	struct fg_top_rate r[2];

	(void)state;
	fg_top_rates(prev, 2, cur, 2, 1.0, FG_TOP_BY_DROPS, r);
	assert_int_equal(r[0].addr[15], 3);
	assert_true(r[0].drop_pps == 48 && r[0].pass_pps == 20);
	assert_int_equal(r[1].addr[15], 2);
	assert_true(r[1].pass_pps == 10 && r[1].drop_pps == 0);
}

static void test_first_read_has_no_rates(void **state)
{
	struct fg_top_entry cur[] = {src(1, 10, 32)};
	struct fg_top_rate r[1];

	(void)state;
	fg_top_rates(NULL, 0, cur, 1, 0, FG_TOP_BY_DROPS, r);
	assert_true(r[0].pass_pps == 0 && r[0].drop_pps == 0);
	assert_int_equal(r[0].state, FG_TOP_OK);
	assert_int_equal(r[0].passed, 10);
}

static void test_state_labels(void **state)
{
	(void)state;
	assert_string_equal(fg_top_state_label(FG_TOP_BLOCKED), "blocked");
	assert_string_equal(fg_top_state_label(FG_TOP_FLEET_BLOCKED),
			    "fleet-blocked");
	assert_string_equal(fg_top_state_label(FG_TOP_LIMITED), "limited");
	assert_string_equal(fg_top_state_label(FG_TOP_OK), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rates_sorted_by_drop_rate),
	    cmocka_unit_test(test_rates_by_packets),
	    cmocka_unit_test(test_new_and_recreated_sources),
	    cmocka_unit_test(test_first_read_has_no_rates),
	    cmocka_unit_test(test_state_labels),
	};

	return cmocka_run_group_tests_name("top", tests, NULL, NULL);
}
