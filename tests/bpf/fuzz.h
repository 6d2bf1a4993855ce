/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath fuzzer (fuzz.c): random and mutated frames through the
 * real program with BPF_PROG_TEST_RUN, checked against invariants. Two
 * cmocka tests; their state is the test-clock struct fx.
 *
 * Environment:
 *   FG_FUZZ_SEED     the seed (printed as a TAP diagnostic either way)
 *   FG_FUZZ_PACKETS  frames per test, exactly (by default 4M and 2M,
 *                    about 10 s together, never under 1M and 250k)
 *   FG_FUZZ_SECONDS  keep going until this long has passed, for both
 *                    tests together (half each), e.g. 300 in make fuzz
 */
#ifndef FG_TEST_FUZZ_H
#define FG_TEST_FUZZ_H

#define FUZZ_TESTS 2

void fuzz_test_open(void **state);
void fuzz_test_limited(void **state);

#endif /* FG_TEST_FUZZ_H */
