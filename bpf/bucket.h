/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One GCRA bucket per dimension over state shared by all CPUs.
 *
 * Check first, read-only: a dropped packet does not touch the timestamps,
 * so a flood that is being dropped costs lookups and no cache-line
 * bouncing. A passing packet commits each dimension with compare-and-swap;
 * losing a race re-checks against the winner's timestamp, so concurrent
 * CPUs can never together pass more than the limit.
 */
#ifndef FG_BUCKET_H
#define FG_BUCKET_H

#include "fg_gcra.h"
#include "maps.h"

#define FG_CAS_TRIES 4
#define READ_ONCE_U64(p) (*(volatile __u64 *)(p))

static const __u32 fg_dim_reason[FG_DIM_COUNT] = {
    [FG_DIM_PACKETS] = FG_REASON_RATE_PACKETS,
    [FG_DIM_BYTES] = FG_REASON_RATE_BYTES,
    [FG_DIM_CONNECTIONS] = FG_REASON_RATE_CONNECTIONS,
};

/* One table entry's check, then its commit. Plain numbers only: global
 * functions get it as memory. */
struct fg_bucket {
	__u64 tat[FG_DIM_COUNT];
	__u64 next[FG_DIM_COUNT];
	__u64 cost[FG_DIM_COUNT];
};

/* The three dimensions of one rule or aggregate, as one object: global
 * functions below are verified once, not once per call path, which
 * keeps the verifier's work linear in the number of steps. */
struct fg_limit_set {
	struct fg_limit dim[FG_DIM_COUNT];
};

/* Read-only check of b->tat. Returns FG_REASON_UNDER_LIMIT or the first
 * dimension over its limit; fills b->next. */
static __always_inline __u32 fg_check_inline(const struct fg_limit_set *lim,
					     struct fg_bucket *b, __u64 now)
{
	int d;

#pragma unroll
	for (d = 0; d < FG_DIM_COUNT; d++) {
		if (!b->cost[d])
			continue;
		if (!fg_gcra_conforms(b->tat[d], now, b->cost[d],
				      lim->dim[d].tolerance_ns, &b->next[d]))
			return fg_dim_reason[d];
	}
	return FG_REASON_UNDER_LIMIT;
}

/* The same, verified once: for the paths off the hot one (aggregates,
 * insert races), which would otherwise multiply the verifier's states. */
__noinline __u32 fg_check(const struct fg_limit_set *lim, struct fg_bucket *b,
			  __u64 now)
{
	if (!lim || !b)
		return FG_REASON_LOOKUP_FAILED;
	return fg_check_inline(lim, b, now);
}

/* Commit one timestamp; returns 0, or 1 if it went over meanwhile. */
static __always_inline int fg_commit_one(__u64 *slot, __u64 seen, __u64 next,
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

/* Commits every dimension of a checked bucket into st. */
__noinline __u32 fg_commit(const struct fg_limit_set *lim,
			   const struct fg_bucket *b, struct fg_src_state *st,
			   __u64 now)
{
	int d;

	if (!lim || !b || !st)
		return FG_REASON_LOOKUP_FAILED;
	for (d = 0; d < FG_DIM_COUNT; d++) {
		if (!b->cost[d])
			continue;
		if (fg_commit_one(&st->tat[d], b->tat[d], b->next[d],
				  b->cost[d], lim->dim[d].tolerance_ns, now))
			return fg_dim_reason[d];
	}
	if (st->passed < FG_TOP_COUNT_MAX)
		st->passed++;
	return FG_REASON_UNDER_LIMIT;
}

/* A state's TATs into b; a key not in the table reads as a fresh one
 * (TAT 0: a full burst). */
static __always_inline void fg_load_tats(const struct fg_src_state *s,
					 struct fg_bucket *b)
{
	int d;

#pragma unroll
	for (d = 0; d < FG_DIM_COUNT; d++)
		b->tat[d] = s ? READ_ONCE_U64(&s->tat[d]) : 0;
}

/* Looks the key up into *st and checks it. */
static __always_inline __u32 fg_bucket_check(void *map, const void *key,
					     const struct fg_limit_set *lim,
					     struct fg_bucket *b,
					     struct fg_src_state **st,
					     __u64 now)
{
	*st = bpf_map_lookup_elem(map, key);
	fg_load_tats(*st, b);
	return fg_check(lim, b, now);
}

/* Commits a checked bucket. Returns FG_REASON_UNDER_LIMIT, a rate
 * reason if a racing CPU used the room first, or LOOKUP_FAILED. */
static __always_inline __u32 fg_bucket_commit(void *map, const void *key,
					      const struct fg_limit_set *lim,
					      struct fg_bucket *b,
					      struct fg_src_state *st,
					      __u32 lists_gen, __u64 now)
{
	__u32 reason;
	int d;

	if (!st) {
		/* Checked against the lists just now: its next packet
		 * skips them. */
		struct fg_src_state fresh = {.passed = 1,
					     .lists_gen = lists_gen};

#pragma unroll
		for (d = 0; d < FG_DIM_COUNT; d++)
			fresh.tat[d] = b->cost[d] ? b->next[d] : 0;
		if (!bpf_map_update_elem(map, key, &fresh, BPF_NOEXIST))
			return FG_REASON_UNDER_LIMIT;
		/* Another CPU inserted it first: commit against its state. */
		st = bpf_map_lookup_elem(map, key);
		if (!st)
			return FG_REASON_LOOKUP_FAILED;
		fg_load_tats(st, b);
		reason = fg_check(lim, b, now);
		if (reason != FG_REASON_UNDER_LIMIT)
			return reason;
	}
	return fg_commit(lim, b, st, now);
}

/* A fresh bucket without burst credit: this packet fits, the next waits
 * its interval. */
static __always_inline void fg_bucket_empty(const struct fg_limit_set *lim,
					    struct fg_bucket *b, __u64 now)
{
	int d;

#pragma unroll
	for (d = 0; d < FG_DIM_COUNT; d++) {
		if (b->cost[d] && lim->dim[d].tolerance_ns >= b->cost[d])
			b->next[d] = now + lim->dim[d].tolerance_ns;
	}
}

#endif /* FG_BUCKET_H */
