/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Limits (DESIGN.md §2, step 7): per (source, rule) over every dimension,
 * plus the rule's optional whole-prefix aggregate. The buckets' check and
 * commit are in bucket.h, admission of sources new to the table in
 * admit.h.
 */
#ifndef FG_LIMIT_H
#define FG_LIMIT_H

#include "account.h"
#include "admit.h"
#include "bucket.h"
#include "fg_gcra.h"
#include "key.h"
#include "maps.h"
#include "parse.h"

/* Cost of this packet in each dimension; 0 = the dimension does not
 * apply (unlimited, or not a new connection). Returns whether any does. */
static __always_inline int fg_costs(const struct fg_limit *lim,
				    const struct fg_pkt *pkt,
				    __u64 cost[FG_DIM_COUNT])
{
	cost[FG_DIM_PACKETS] = fg_gcra_cost(&lim[FG_DIM_PACKETS], 1);
	cost[FG_DIM_BYTES] = fg_gcra_cost(&lim[FG_DIM_BYTES], pkt->len);
	cost[FG_DIM_CONNECTIONS] =
	    pkt->is_syn ? fg_gcra_cost(&lim[FG_DIM_CONNECTIONS], 1) : 0;
	return cost[FG_DIM_PACKETS] || cost[FG_DIM_BYTES] ||
	       cost[FG_DIM_CONNECTIONS];
}

/* A source as the limiter sees it: its key, its entry in fg_sources
 * (NULL when not in the table) and its bucket for this packet. The
 * field order sets the stack layout, which the verifier's work depends
 * on: of the orders tried, this one cost the verifier the fewest insns. */
struct fg_source {
	struct fg_bucket b;
	struct fg_src_state *st;
	struct fg_src_key key;
	int has_cost; /* some dimension applies (fg_costs) */
};

/*
 * The per-source part: the caller computed src->b.cost (fg_costs, into
 * src->has_cost) and looked the source up (src->st). Returns
 * FG_REASON_UNDER_LIMIT, an FG_REASON_RATE_* reason, or
 * FG_REASON_LOOKUP_FAILED (the caller fails open).
 */
static __always_inline __u32 fg_limit(const struct fg_config *cfg,
				      const struct fg_rule *rule,
				      const struct fg_pkt *pkt,
				      struct fg_source *src, __u32 lists_gen,
				      __u64 now)
{
	const struct fg_limit_set *src_lim = (const void *)rule->limit;
	const struct fg_limit_set *agg_lim = (const void *)rule->agg_limit;
	struct fg_src_state *agg_st = NULL;
	struct fg_bucket agg = {};
	struct fg_src_key agg_key;
	int has_agg = 0, no_burst;
	__u32 reason;

	if (rule->has_aggregate)
		has_agg = fg_costs(rule->agg_limit, pkt, agg.cost);
	if (!src->has_cost && !has_agg)
		return FG_REASON_UNDER_LIMIT; /* nothing to track */

	if (src->has_cost) {
		fg_load_tats(src->st, &src->b);
		reason = fg_check_inline(src_lim, &src->b, now);
		if (reason != FG_REASON_UNDER_LIMIT)
			return reason; /* fg_account samples the drop */
	}
	if (has_agg) {
		fg_mask_key(&agg_key, pkt, rule->agg_mask6, rule->agg_mask4,
			    rule->id);
		reason = fg_bucket_check(&fg_aggregates, &agg_key, agg_lim,
					 &agg, &agg_st, now);
		if (reason != FG_REASON_UNDER_LIMIT)
			return FG_REASON_RATE_AGGREGATE;
	}
	/* Admission last: a packet another limit drops spends no token. */
	if (src->has_cost && !src->st) {
		reason = fg_admit_source(cfg, now, &no_burst);
		if (reason != FG_REASON_UNDER_LIMIT) {
			fg_table_event(FG_TABLE_REFUSED);
			return reason;
		}
		if (no_burst)
			fg_bucket_empty(src_lim, &src->b, now);
		fg_table_event(no_burst ? FG_TABLE_INSERTED_NO_BURST
					: FG_TABLE_INSERTED);
	}
	if (src->has_cost) {
		reason = fg_bucket_commit(&fg_sources, &src->key, src_lim,
					  &src->b, src->st, lists_gen, now);
		if (reason != FG_REASON_UNDER_LIMIT)
			return reason;
	}
	if (has_agg &&
	    fg_bucket_commit(&fg_aggregates, &agg_key, agg_lim, &agg, agg_st, 0,
			     now) != FG_REASON_UNDER_LIMIT)
		return FG_REASON_RATE_AGGREGATE;
	return FG_REASON_UNDER_LIMIT;
}

#endif /* FG_LIMIT_H */
