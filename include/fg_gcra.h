/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * GCRA (generic cell rate algorithm), the bucket arithmetic of every
 * dimension. Pure: no helpers, no maps, so the XDP program and the C unit
 * tests compile exactly this code.
 *
 * Semantics match netfilter hashlimit: after idling, exactly `burst`
 * units pass back-to-back; then `rate` per second. One timestamp (the
 * theoretical arrival time, TAT) per key: a conforming packet moves it by
 * its cost, a non-conforming one leaves it alone, so drops are read-only.
 */
#ifndef FG_GCRA_H
#define FG_GCRA_H

#include <linux/types.h>

#include "fg_abi.h"

#ifndef FG_INLINE
#ifdef __bpf__
#define FG_INLINE static __always_inline
#else
#define FG_INLINE static inline
#endif
#endif

/* Cost in ns of `units` (packets, bytes or connections) at this limit.
 * Whole and fractional ns apart: units * interval_fp would overflow 64
 * bits for slow byte rates (10 B/h is 2^58 in fixed point). */
FG_INLINE __u64 fg_gcra_cost(const struct fg_limit *lim, __u64 units)
{
	__u64 whole = lim->interval_fp >> FG_FP_SHIFT;
	__u64 frac = lim->interval_fp & ((1ull << FG_FP_SHIFT) - 1);

	return units * whole + ((units * frac) >> FG_FP_SHIFT);
}

/*
 * Returns 1 and the TAT to store when a packet of cost `cost_ns` arriving
 * at `now` conforms; 0 when it is over the limit. A zero TAT is a source
 * never seen, which starts with a full burst.
 */
FG_INLINE int fg_gcra_conforms(__u64 tat, __u64 now, __u64 cost_ns,
			       __u64 tolerance_ns, __u64 *new_tat)
{
	__u64 base = tat > now ? tat : now;
	__u64 next = base + cost_ns;

	if (next - now > tolerance_ns)
		return 0;
	*new_tat = next;
	return 1;
}

#endif /* FG_GCRA_H */
