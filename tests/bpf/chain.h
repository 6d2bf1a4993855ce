/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The chain slot's datapath tests (chain.c): the real program hands its
 * passes to a stand-in (tests/progs/chain_next.bpf.c) by tail call.
 * cmocka tests whose state is the test-clock struct fx.
 */
#ifndef FG_TEST_CHAIN_H
#define FG_TEST_CHAIN_H

#define CHAIN_TESTS 5

void chain_test_passes_only(void **state);
void chain_test_every_pass_reason(void **state);
void chain_test_empty_slot(void **state);
void chain_test_switched_off(void **state);
void chain_test_refuses_self(void **state);

#endif /* FG_TEST_CHAIN_H */
