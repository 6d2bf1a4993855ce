/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The verdict cache's datapath tests (vcache.c, bpf/vcache.h): a cached
 * drop holds exactly as long as the drop it stands for, and every change
 * that ends a drop sooner ends the cached one. cmocka tests whose state
 * is the test-clock struct fx.
 */
#ifndef FG_TEST_VCACHE_H
#define FG_TEST_VCACHE_H

#define VCACHE_TESTS 9

void vcache_test_rate_exact(void **state);
void vcache_test_unblock(void **state);
void vcache_test_list_change(void **state);
void vcache_test_reload(void **state);
void vcache_test_dry_run(void **state);
void vcache_test_commit_straddle(void **state);
void vcache_test_slot_in_entry(void **state);
void vcache_test_box_dry_run(void **state);
void vcache_test_box_expiry(void **state);

#endif /* FG_TEST_VCACHE_H */
