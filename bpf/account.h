/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counters (DESIGN.md §2, step 9): the one exit path counts the verdict
 * and turns it into an XDP action; table events count where they happen. */
#ifndef FG_ACCOUNT_H
#define FG_ACCOUNT_H

#include "maps.h"

struct fg_verdict {
	__u32 action; /* enum fg_action */
	__u32 reason; /* enum fg_reason */
};

/* `floodgate top` counts a source's drops by sampling one in
 * FG_DROP_SAMPLE, so a flood being dropped stays (almost) read-only on
 * the source's shared state. */
#define FG_DROP_SAMPLE 16

/* Returns the counter's new packet count (0 when the lookup failed). */
static __always_inline __u64 fg_count(void *map, __u32 idx, __u32 len)
{
	struct fg_counter *c = bpf_map_lookup_elem(map, &idx);

	/* Per-CPU value: plain increments are safe. */
	if (!c)
		return 0;
	c->bytes += len;
	return ++c->packets;
}

/* Events of the source table and the penalty box (enum fg_table_event). */
static __always_inline void fg_table_event(__u32 event)
{
	__u64 *c = bpf_map_lookup_elem(&fg_table_stats, &event);

	if (c)
		(*c)++; /* per-CPU */
}

/* rule_slot < 0: the packet never reached rule matching, or its rule
 * does not count it. st: the source's state, when it has one. */
static __always_inline int fg_account(struct fg_verdict v, int rule_slot,
				      __u32 len, struct fg_src_state *st)
{
	__u64 n = fg_count(
	    &fg_stats, FG_STATS_INDEX(rule_slot + 1, v.action, v.reason), len);

	/* The per-CPU count of this verdict picks which drops to sample:
	 * cheaper than a random number, and no source can steer it. */
	if (st && v.action != FG_ACTION_PASS && !(n % FG_DROP_SAMPLE) &&
	    st->dropped < FG_TOP_COUNT_MAX)
		st->dropped += FG_DROP_SAMPLE;
	/* Dry-run's would-be drops: without them a source's offered rate
	 * reads as capped at its limit. Each one, not sampled: these
	 * packets go on into the stack, which costs far more than the
	 * write. */
	if (st && v.reason == FG_REASON_DRY_RUN &&
	    st->would_drop < FG_TOP_COUNT_MAX)
		st->would_drop++;
	if (v.action == FG_ACTION_RESET)
		return XDP_TX; /* the frame was rewritten into a RST */
	return v.action == FG_ACTION_DROP ? XDP_DROP : XDP_PASS;
}

#endif /* FG_ACCOUNT_H */
