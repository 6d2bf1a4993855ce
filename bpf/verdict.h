/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The per-packet path (DESIGN.md §2): kill-switch, parse, rule and source
 * state, lists, penalty box, limits, count. A packet whose source is
 * known takes the whole path even when what follows its IP header is
 * malformed: a bad tail must not slip past the deny list or a limit. Any failed map lookup fails
 * open: a limiter in front of an application must not take it down with
 * it.
 */
#ifndef FG_VERDICT_H
#define FG_VERDICT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "account.h"
#include "clock.h"
#include "fleet.h"
#include "key.h"
#include "limit.h"
#include "lists.h"
#include "maps.h"
#include "parse.h"
#include "penalty.h"
#include "reset.h"
#include "rules.h"
#include "testhook.h"
#include "vcache.h"

/* Where fg_process() may stop early, in path order. */
enum fg_step {
	FG_STEP_PARSE = 1, /* kill-switch, config slot, parse */
	FG_STEP_LOOKUP,	   /* + rule by port, key, source state lookup */
	FG_STEP_LISTS,	   /* + allow/deny (skipped for known sources) */
	FG_STEP_ALL,	   /* + counters and the verdict: the program */
};

static __always_inline int fg_over_limit(__u32 reason)
{
	return (reason >= FG_REASON_RATE_PACKETS &&
		reason <= FG_REASON_RATE_AGGREGATE) ||
	       reason == FG_REASON_RATE_NEW_SOURCES ||
	       reason == FG_REASON_FLEET_LIMIT;
}

/* A packet with a malformed tail (FG_PARSE_BAD_TAIL) that the lists, the
 * box and the limits let through: `malformed: drop` drops it; with
 * `pass` it counts as malformed unless its pass already had a reason
 * worth keeping (dry_run, lookup_failed). */
static __always_inline void fg_tail_verdict(struct fg_verdict *v,
					    const struct fg_config *cfg)
{
	if (cfg->malformed_drop) {
		v->action = FG_ACTION_DROP;
		v->reason = FG_REASON_MALFORMED;
	} else if (v->reason == FG_REASON_UNDER_LIMIT) {
		v->reason = FG_REASON_MALFORMED;
	}
}

/*
 * The whole per-packet path. `upto` cuts it short after a step
 * (returning XDP_DROP, uncounted) so benchmarks can time each step of
 * exactly this code; the shipped program passes FG_STEP_ALL, a constant,
 * and the compiler removes the cuts.
 */
static __always_inline int fg_process(struct xdp_md *ctx, const int upto)
{
	struct fg_verdict v = {FG_ACTION_PASS, FG_REASON_LOOKUP_FAILED};
	struct fg_pkt pkt = {};
	/* Zeroed after the verdict cache: a cached drop needs only st. */
	struct fg_source src;
	const struct fg_config *cfg;
	const struct fg_rule *rule;
	struct fg_vcache_entry *scratch;
	struct fg_ctl *ctl;
	__u32 zero = 0, slot, cfg_slot, gen, where, found = 0;
	int rule_slot = -1, rc, over, checked = 0;
	__u64 now, until;

	src.st = NULL;
	pkt.len = (__u32)(ctx->data_end - ctx->data);
	ctl = bpf_map_lookup_elem(&fg_ctl, &zero);
	if (!ctl)
		goto out;
	if (!ctl->enabled) {
		v.reason = FG_REASON_DISABLED;
		goto out;
	}
	rc = fg_parse(ctx, &pkt);
	if (upto == FG_STEP_PARSE)
		return XDP_DROP;
	if (rc == FG_PARSE_NOT_IP) {
		v.reason = FG_REASON_NOT_IP;
		goto out;
	}
	/* The generations before the config slot: fg_vcache_begin. */
	scratch = fg_vcache_begin(ctl);
	cfg_slot = FG_CTL_LOAD(ctl->cfg_slot);
	cfg = bpf_map_lookup_elem(&fg_cfg, &cfg_slot);
	if (!cfg)
		goto out;
	fg_test_commit(ctl);
	/* `malformed` alone decides only what no source can be charged
	 * for; a bad tail behind a valid IP header meets the lists, the
	 * box and the limits first (fg_tail_verdict). */
	if (rc == FG_PARSE_MALFORMED) {
		v.reason = FG_REASON_MALFORMED;
		if (cfg->malformed_drop)
			v.action = FG_ACTION_DROP;
		goto out;
	}

	/* A drop already known to hold skips the rest (vcache.h). */
	if (fg_vcache_hit(ctl, scratch, &pkt, cfg_slot))
		return fg_vcache_account(cfg, &pkt, &src.key);
	__builtin_memset(&src, 0, sizeof(src));

	/* Rule and source state first: a source in the table keyed by its
	 * whole address carries the lists generation it was last checked
	 * against, and skips the LPM lookup while nothing changed. When
	 * the rule depends on the source's class, the class comes first
	 * (fg_classify keeps its own memo of it, so known sources still
	 * skip the trie). */
	gen = ctl->lists_gen;
	where = pkt.l3_off | (pkt.is_v6 ? FG_FIND_V6 : 0);
	if (cfg->class_rules || cfg->has_dests) {
		found = (__u32)fg_find(
		    ctx,
		    where |
			(cfg->class_rules ? FG_FIND_LISTS | FG_FIND_MEMO : 0) |
			(cfg->has_dests ? FG_FIND_DEST : 0),
		    gen, cfg_slot);
		checked = cfg->class_rules;
		if (FG_FOUND_ACTION(found))
			goto listed;
	}
	slot = fg_rule_slot(cfg, cfg_slot, &pkt, FG_FOUND_CLASS(found),
			    FG_FOUND_DEST(found));
	rule = &cfg->rules[slot];
	fg_make_key(&src.key, &pkt, cfg, rule->id);
	src.has_cost = fg_costs(rule->limit, &pkt, src.b.cost);
	if (src.has_cost)
		src.st = bpf_map_lookup_elem(&fg_sources, &src.key);
	if (upto == FG_STEP_LOOKUP)
		return XDP_DROP;
	if (!checked && (!src.st || src.st->lists_gen != gen)) {
		found = (__u32)fg_find(ctx, where | FG_FIND_LISTS, gen, 0);
		if (FG_FOUND_ACTION(found))
			goto listed;
		checked = 1;
	}
	/* "Not listed" holds for the whole key only when the key is the
	 * whole address: under a shorter table prefix a listed host must
	 * not ride on its neighbours' entry. Such keys store a generation
	 * that never matches. */
	if (checked) {
		if (!fg_key_is_address(cfg, &pkt))
			gen = ~gen;
		else if (src.st)
			src.st->lists_gen = gen;
	}

	if (upto == FG_STEP_LISTS)
		return XDP_DROP;
	now = fg_now();
	until = fg_is_blocked(ctl, &src.key, now);
	if (until && !ctl->dry_run && !rule->dry_run) {
		v.action = FG_ACTION_DROP;
		v.reason = FG_REASON_BLOCKED;
		fg_vcache_remember(ctx, where, &pkt, FG_REASON_BLOCKED, slot,
				   cfg_slot, until);
		goto out;
	}

	rule_slot = (int)slot;
	/* Dry-run, global or the packet's rule's, enforces only the deny
	 * list: a boxed source passes as the would-be drop it is, without
	 * charging its limits. */
	if (until)
		v.reason = FG_REASON_DRY_RUN;
	/* A source the fleet blocked costs one lookup and no state. */
	else if (fg_fleet_blocked_now(ctl, rule, &src.key, now))
		v.reason = FG_REASON_FLEET_LIMIT;
	else
		v.reason = fg_limit(cfg, rule, &pkt, &src, gen, now);
	over = fg_over_limit(v.reason);
	if (!over || ctl->dry_run || rule->dry_run) {
		if (over)
			v.reason = FG_REASON_DRY_RUN;
		if (rc == FG_PARSE_BAD_TAIL)
			fg_tail_verdict(&v, cfg);
		/* The fleet counts what passed: not a tail `malformed:
		 * drop` dropped. */
		if (v.action == FG_ACTION_PASS)
			fg_fleet_count(rule, &src.key, &pkt);
		goto out;
	}
	v.action = FG_ACTION_DROP;
	/* Admission refusals are not the source's own doing, and a fleet
	 * block is the fleet's verdict, not this host's: no penalty, and no
	 * RST (to a spoofed source it would be backscatter). */
	if (v.reason == FG_REASON_RATE_NEW_SOURCES ||
	    v.reason == FG_REASON_FLEET_LIMIT)
		goto out;
	until = rule->block_ns ? fg_block(ctl, &src.key, rule, slot, now) : 0;
	if (rule->action == FG_RULE_ACTION_RESET) {
		if (pkt.is_syn &&
		    fg_send_reset(ctx, pkt.l3_off, pkt.is_v6) == XDP_TX)
			v.action = FG_ACTION_RESET;
	} else if (until) {
		fg_vcache_remember(ctx, where, &pkt, FG_REASON_BLOCKED, slot,
				   cfg_slot, until);
	} else if (v.reason == FG_REASON_RATE_PACKETS) {
		/* Over its packet rate until its TAT, less the tolerance,
		 * comes within one packet's cost of now (fg_gcra.h); drops
		 * leave the TAT alone, so no CPU can pass it sooner. */
		until = src.b.tat[FG_DIM_PACKETS] + src.b.cost[FG_DIM_PACKETS] -
			rule->limit[FG_DIM_PACKETS].tolerance_ns;
		if (until > now)
			fg_vcache_remember(ctx, where, &pkt,
					   FG_REASON_RATE_PACKETS, slot,
					   cfg_slot, until);
	}
	goto out;
listed:
	if (FG_FOUND_ACTION(found) == FG_LIST_DENY) {
		v.action = FG_ACTION_DROP;
		v.reason = FG_REASON_DENY_LIST;
		/* Until the lists change. */
		fg_vcache_remember(ctx, where, &pkt, FG_REASON_DENY_LIST, 0,
				   cfg_slot, ~0ull);
	} else {
		v.reason = FG_REASON_ALLOW_LIST;
	}
out:
	return fg_account(v, rule_slot, pkt.len, src.st);
}

#endif /* FG_VERDICT_H */
