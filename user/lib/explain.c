// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* One packet through the steps of bpf/verdict.h, over read state. */
#include "explain.h"

#include <string.h>

#include "fg_gcra.h"

void fg_explain_bucket(const struct fg_limit *lim, __u64 tat, __u64 now,
		       __u64 cost_ns, struct fg_explain_dim *out)
{
	__u64 base = tat > now ? tat : now, debt = base - now, next;
	__u64 tol = lim->tolerance_ns;

	out->limited = lim->interval_fp != 0;
	if (!out->limited)
		return;
	/* interval_fp is ns per unit << FG_FP_SHIFT: 128 bits, as a
	 * tolerance of days would overflow 64 once shifted. */
	out->burst =
	    (__u64)(((unsigned __int128)tol << FG_FP_SHIFT) / lim->interval_fp);
	out->tokens =
	    debt >= tol
		? 0
		: (__u64)(((unsigned __int128)(tol - debt) << FG_FP_SHIFT) /
			  lim->interval_fp);
	out->conforms = fg_gcra_conforms(tat, now, cost_ns, tol, &next);
	next = base + cost_ns;
	out->wait_ns = next - now > tol ? next - now - tol : 0;
}

/* What fg_costs (bpf/limit.h) charges this packet per dimension. */
static bool packet_costs(const struct fg_limit lim[FG_DIM_COUNT],
			 const struct fg_explain_query *q,
			 __u64 cost[FG_DIM_COUNT])
{
	cost[FG_DIM_PACKETS] = fg_gcra_cost(&lim[FG_DIM_PACKETS], 1);
	cost[FG_DIM_BYTES] = fg_gcra_cost(&lim[FG_DIM_BYTES], q->len);
	cost[FG_DIM_CONNECTIONS] =
	    q->pclass == FG_PCLASS_TCP
		? fg_gcra_cost(&lim[FG_DIM_CONNECTIONS], 1)
		: 0;
	return cost[FG_DIM_PACKETS] || cost[FG_DIM_BYTES] ||
	       cost[FG_DIM_CONNECTIONS];
}

/* fg_mask_key (bpf/key.h): masks in network order, IPv4 mapped. */
static void mask_key(const struct fg_cidr *src, const __u32 mask6[4],
		     __u32 mask4, __u32 rule_id, struct fg_src_key *k)
{
	memcpy(k->addr, src->addr, sizeof(k->addr));
	if (src->is_v4) {
		k->addr[3] &= mask4;
	} else {
		for (int i = 0; i < 4; i++)
			k->addr[i] &= mask6[i];
	}
	k->rule_id = rule_id;
}

/* The datapath's order of the dimensions: the first over its limit
 * names the drop. Fills the report of every limited dimension. */
static __u32 check_buckets(const struct fg_limit lim[FG_DIM_COUNT],
			   const struct fg_src_state *st, const __u64 *cost,
			   __u64 now, struct fg_explain_dim dim[FG_DIM_COUNT])
{
	static const __u32 dim_reason[FG_DIM_COUNT] = {
	    [FG_DIM_PACKETS] = FG_REASON_RATE_PACKETS,
	    [FG_DIM_BYTES] = FG_REASON_RATE_BYTES,
	    [FG_DIM_CONNECTIONS] = FG_REASON_RATE_CONNECTIONS,
	};
	__u32 reason = FG_REASON_UNDER_LIMIT;

	for (int d = 0; d < FG_DIM_COUNT; d++) {
		dim[d].applies = cost[d] != 0;
		fg_explain_bucket(&lim[d], st ? st->tat[d] : 0, now, cost[d],
				  &dim[d]);
		if (dim[d].applies && !dim[d].conforms &&
		    reason == FG_REASON_UNDER_LIMIT)
			reason = dim_reason[d];
	}
	return reason;
}

static void read_block(int (*rd)(void *, const struct fg_src_key *,
				 struct fg_block *),
		       void *arg, const struct fg_src_key *k, __u64 now,
		       bool checked, struct fg_explain_block *out)
{
	struct fg_block b;

	out->checked = checked;
	if (!rd || rd(arg, k, &b) || b.until_ns <= now)
		return;
	out->found = true;
	out->left_ns = b.until_ns - now;
	out->rule_slot = b.rule_slot;
}

static bool over_limit(__u32 reason)
{
	return (reason >= FG_REASON_RATE_PACKETS &&
		reason <= FG_REASON_RATE_AGGREGATE) ||
	       reason == FG_REASON_RATE_NEW_SOURCES ||
	       reason == FG_REASON_FLEET_LIMIT;
}

/* The lists step: the most specific entry, acted on by its effective
 * action and class (what compose gave it). */
static void find_listed(const struct fg_explain_state *s,
			const struct fg_explain_query *q, struct fg_explain *e)
{
	if (!s->rd.list ||
	    s->rd.list(s->rd.arg, &q->src, &e->list_prefix, &e->list_value))
		return;
	e->listed = true;
	e->eff_action =
	    e->list_value >> FG_LIST_EFF_ACTION_SHIFT & FG_LIST_EFF_ACTION_MASK;
	e->eff_class =
	    e->list_value >> FG_LIST_EFF_CLASS_SHIFT & FG_LIST_EFF_CLASS_MASK;
}

/* Limits (bpf/limit.h fg_limit): the source's buckets, the rule's
 * aggregate, then admission of a key the table does not know. */
static __u32 check_limits(const struct fg_explain_state *s,
			  const struct fg_explain_query *q,
			  const struct fg_rule *rule, struct fg_explain *e)
{
	__u64 cost[FG_DIM_COUNT], agg_cost[FG_DIM_COUNT], tat = 0;
	bool has_cost = packet_costs(rule->limit, q, cost);
	struct fg_src_state agg_st;
	__u32 reason;

	if (has_cost && s->rd.source &&
	    !s->rd.source(s->rd.arg, &e->key, &e->st))
		e->known = true;
	reason = check_buckets(rule->limit, e->known ? &e->st : NULL, cost,
			       s->now, e->dim);
	if (rule->has_aggregate && packet_costs(rule->agg_limit, q, agg_cost)) {
		bool agg_known;

		e->has_agg = true;
		mask_key(&q->src, rule->agg_mask6, rule->agg_mask4, rule->id,
			 &e->agg_key);
		agg_known = s->rd.aggregate &&
			    !s->rd.aggregate(s->rd.arg, &e->agg_key, &agg_st);
		if (check_buckets(rule->agg_limit, agg_known ? &agg_st : NULL,
				  agg_cost, s->now,
				  e->agg) != FG_REASON_UNDER_LIMIT &&
		    reason == FG_REASON_UNDER_LIMIT)
			reason = FG_REASON_RATE_AGGREGATE;
	}
	if (!has_cost || e->known || reason != FG_REASON_UNDER_LIMIT ||
	    !s->cfg->admit.interval_fp)
		return reason;
	if (s->rd.admit && s->rd.admit(s->rd.arg, &tat))
		tat = 0;
	{
		__u64 next;

		e->admit_refuses = !fg_gcra_conforms(
		    tat, s->now, fg_gcra_cost(&s->cfg->admit, 1),
		    s->cfg->admit.tolerance_ns, &next);
	}
	return e->admit_refuses ? FG_REASON_RATE_NEW_SOURCES : reason;
}

void fg_explain_run(const struct fg_explain_state *s,
		    const struct fg_explain_query *q, struct fg_explain *e)
{
	const struct fg_config *cfg = s->cfg;
	const struct fg_rule *rule;
	struct fg_src_key any;
	bool has_port = q->pclass < FG_PORT_CLASSES;

	memset(e, 0, sizeof(*e));
	e->action = FG_ACTION_PASS;
	if (!s->ctl->enabled) {
		e->stop = FG_EXPLAIN_STOP_DISABLED;
		e->reason = FG_REASON_DISABLED;
		return;
	}
	/* The datapath may skip the lists for a source it knows is not
	 * listed under the current generation: the same answer. */
	find_listed(s, q, e);
	if (e->eff_action == FG_LIST_DENY || e->eff_action == FG_LIST_ALLOW) {
		e->stop = FG_EXPLAIN_STOP_LISTED;
		e->action = e->eff_action == FG_LIST_DENY ? FG_ACTION_DROP
							  : FG_ACTION_PASS;
		e->reason = e->eff_action == FG_LIST_DENY
				? FG_REASON_DENY_LIST
				: FG_REASON_ALLOW_LIST;
		return;
	}
	/* Classes pick rules only when some rule depends on them. */
	e->class_id = cfg->class_rules ? e->eff_class : 0;
	e->dest_used = cfg->has_dests != 0;
	if (e->dest_used && q->has_dst && s->rd.dest_set)
		e->dest_set = s->rd.dest_set(s->rd.arg, q->dst);
	e->rule_slot = fg_rule_match_slot(cfg, s->match, q->pclass, has_port,
					  q->port, e->class_id, e->dest_set);
	rule = &cfg->rules[e->rule_slot];
	e->rule_dry_run = rule->dry_run != 0;
	mask_key(&q->src, cfg->mask6, cfg->mask4, rule->id, &e->key);

	read_block(s->rd.blocked, s->rd.arg, &e->key, s->now,
		   s->ctl->block_active != 0, &e->box_rule);
	any = e->key;
	any.rule_id = FG_RULE_ID_ANY;
	read_block(s->rd.blocked, s->rd.arg, &any, s->now,
		   s->ctl->block_active && s->ctl->block_source_active,
		   &e->box_source);
	read_block(s->rd.fleet_blocked, s->rd.arg, &e->key, s->now,
		   rule->fleet && s->ctl->fleet_block_active, &e->fleet);

	/* Still read the buckets of a boxed key: what waits after it. */
	e->reason = check_limits(s, q, rule, e);
	if ((e->box_rule.found && e->box_rule.checked) ||
	    (e->box_source.found && e->box_source.checked)) {
		/* Dry-run enforces only the deny list, as the datapath
		 * (verdict.h): a boxed source passes as its would-be drop. */
		if (s->ctl->dry_run || rule->dry_run) {
			e->reason = FG_REASON_DRY_RUN;
			return;
		}
		e->action = FG_ACTION_DROP;
		e->reason = FG_REASON_BLOCKED;
		return;
	}
	if (e->fleet.found && e->fleet.checked)
		e->reason = FG_REASON_FLEET_LIMIT;
	if (!over_limit(e->reason))
		return;
	if (s->ctl->dry_run || rule->dry_run) {
		e->reason = FG_REASON_DRY_RUN;
		return;
	}
	e->action = FG_ACTION_DROP;
	if (e->reason == FG_REASON_RATE_NEW_SOURCES ||
	    e->reason == FG_REASON_FLEET_LIMIT)
		return;
	e->would_box = rule->block_ns != 0;
	e->box_ns = rule->block_ns;
	e->would_rst =
	    rule->action == FG_RULE_ACTION_RESET && q->pclass == FG_PCLASS_TCP;
}
