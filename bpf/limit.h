/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per (source, rule) limits over every dimension, with state shared by
 * all CPUs. Check first, read-only: a dropped packet writes nothing, so a
 * flood that is being dropped costs one lookup and no cache-line
 * bouncing. A passing packet commits each dimension with compare-and-swap;
 * losing a race re-checks against the winner's timestamp, so concurrent
 * CPUs can never together pass more than the limit.
 */
#ifndef FG_LIMIT_H
#define FG_LIMIT_H

#include "fg_gcra.h"
#include "maps.h"
#include "parse.h"

#define FG_CAS_TRIES 4
#define READ_ONCE_U64(p) (*(volatile __u64 *)(p))

static const __u32 fg_dim_reason[FG_DIM_COUNT] = {
    [FG_DIM_PACKETS] = FG_REASON_RATE_PACKETS,
    [FG_DIM_BYTES] = FG_REASON_RATE_BYTES,
    [FG_DIM_CONNECTIONS] = FG_REASON_RATE_CONNECTIONS,
};

/* Cost of this packet in each dimension; 0 = the dimension does not
 * apply (unlimited, or not a new connection). */
static __always_inline void fg_costs(const struct fg_limit *lim,
				     const struct fg_pkt *pkt,
				     __u64 cost[FG_DIM_COUNT])
{
	cost[FG_DIM_PACKETS] = fg_gcra_cost(&lim[FG_DIM_PACKETS], 1);
	cost[FG_DIM_BYTES] = fg_gcra_cost(&lim[FG_DIM_BYTES], pkt->len);
	cost[FG_DIM_CONNECTIONS] =
	    pkt->is_syn ? fg_gcra_cost(&lim[FG_DIM_CONNECTIONS], 1) : 0;
}

/* Read-only check. Returns FG_REASON_UNDER_LIMIT or the first dimension
 * over its limit; fills the TATs to commit. */
static __always_inline __u32 fg_check(const struct fg_limit *lim,
				      const __u64 tat[FG_DIM_COUNT],
				      const __u64 cost[FG_DIM_COUNT], __u64 now,
				      __u64 next[FG_DIM_COUNT])
{
	int d;

#pragma unroll
	for (d = 0; d < FG_DIM_COUNT; d++) {
		if (!cost[d])
			continue;
		if (!fg_gcra_conforms(tat[d], now, cost[d], lim[d].tolerance_ns,
				      &next[d]))
			return fg_dim_reason[d];
	}
	return FG_REASON_UNDER_LIMIT;
}

/* Commit one dimension; returns 0, or 1 if it went over meanwhile. */
static __always_inline int fg_commit(__u64 *slot, __u64 seen, __u64 next,
				     __u64 cost, __u64 tolerance, __u64 now)
{
	int i;

	for (i = 0; i < FG_CAS_TRIES; i++) {
		__u64 cur = __sync_val_compare_and_swap(slot, seen, next);

		if (cur == seen)
			return 0;
		seen = cur;
		if (!fg_gcra_conforms(seen, now, cost, tolerance, &next))
			return 1;
	}
	/* Still contended after FG_CAS_TRIES: count it as over rather than
	 * risk passing more than the limit. */
	return 1;
}

/* Checks and commits every dimension against existing state. */
static __always_inline __u32 fg_limit_state(struct fg_src_state *st,
					    const struct fg_limit *lim,
					    const __u64 cost[FG_DIM_COUNT],
					    __u64 now)
{
	__u64 next[FG_DIM_COUNT] = {}, tat[FG_DIM_COUNT];
	__u32 reason;
	int d;

#pragma unroll
	for (d = 0; d < FG_DIM_COUNT; d++)
		tat[d] = READ_ONCE_U64(&st->tat[d]);
	reason = fg_check(lim, tat, cost, now, next);
	if (reason != FG_REASON_UNDER_LIMIT)
		return reason;

#pragma unroll
	for (d = 0; d < FG_DIM_COUNT; d++) {
		if (!cost[d])
			continue;
		if (fg_commit(&st->tat[d], tat[d], next[d], cost[d],
			      lim[d].tolerance_ns, now))
			return fg_dim_reason[d];
	}
	return FG_REASON_UNDER_LIMIT;
}

/*
 * Returns FG_REASON_UNDER_LIMIT, an FG_REASON_RATE_* reason, or
 * FG_REASON_LOOKUP_FAILED (the caller fails open).
 */
static __always_inline __u32 fg_limit(const struct fg_limit *lim,
				      const struct fg_src_key *key,
				      const struct fg_pkt *pkt, __u64 now)
{
	__u64 cost[FG_DIM_COUNT];
	struct fg_src_state *st;
	__u32 reason;

	fg_costs(lim, pkt, cost);
	if (!cost[FG_DIM_PACKETS] && !cost[FG_DIM_BYTES] &&
	    !cost[FG_DIM_CONNECTIONS])
		return FG_REASON_UNDER_LIMIT; /* nothing to track */

	st = bpf_map_lookup_elem(&fg_sources, key);
	if (!st) {
		struct fg_src_state fresh = {};
		__u64 zero[FG_DIM_COUNT] = {};

		reason = fg_check(lim, zero, cost, now, fresh.tat);
		if (reason != FG_REASON_UNDER_LIMIT)
			return reason;
		fresh.passed = 1;
		if (!bpf_map_update_elem(&fg_sources, key, &fresh, BPF_NOEXIST))
			return FG_REASON_UNDER_LIMIT;
		/* Another CPU inserted it first: use its state. */
		st = bpf_map_lookup_elem(&fg_sources, key);
		if (!st)
			return FG_REASON_LOOKUP_FAILED;
	}

	reason = fg_limit_state(st, lim, cost, now);
	if (reason == FG_REASON_UNDER_LIMIT)
		st->passed++;
	else
		st->dropped++;
	return reason;
}

#endif /* FG_LIMIT_H */
