/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Time source. The coarse clock costs ~2.5 ns a call against ~25 ns for
 * bpf_ktime_get_ns on these machines; its 4 ms steps do not bias GCRA,
 * whose debt carries over between steps.
 *
 * Tests set fg_use_test_clock before load and drive fg_test_clock_ns. It
 * is .rodata, so in the shipped program the verifier removes the branch.
 */
#ifndef FG_CLOCK_H
#define FG_CLOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u8 fg_use_test_clock = 0;
__u64 fg_test_clock_ns = 0;

static __always_inline __u64 fg_now(void)
{
	if (fg_use_test_clock)
		return fg_test_clock_ns;
	return bpf_ktime_get_coarse_ns();
}

#endif /* FG_CLOCK_H */
