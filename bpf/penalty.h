/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The penalty box: a source that went over a rule with `block` is dropped
 * until its time is up: for traffic matching that rule (block_scope:
 * rule, the default: a spoofed flood over one rule cannot shut its victim
 * out of everything else), or for all it sends (block_scope: source).
 * Entries live in a plain hash (spoofed floods cannot evict them); the
 * daemon expires them once their time is up and, for an escalating
 * `block`, its window has passed too.
 */
#ifndef FG_PENALTY_H
#define FG_PENALTY_H

#include "account.h"
#include "maps.h"

/* When the time of a block map's (the box's, the fleet's) entry is up,
 * if it is not up yet; else 0. */
static __always_inline __u64 fg_block_holds(void *map,
					    const struct fg_src_key *key,
					    __u64 now)
{
	struct fg_block *b = bpf_map_lookup_elem(map, key);

	return b && b->until_ns > now ? b->until_ns : 0;
}

/* While the source sits in the box for this packet's rule (key carries
 * it) or for everything: when its box ends; else 0. No lookup while
 * nobody is blocked, and no second one while no source-scoped entry
 * exists. */
static __always_inline __u64 fg_is_blocked(const struct fg_ctl *ctl,
					   const struct fg_src_key *key,
					   __u64 now)
{
	struct fg_src_key any;
	__u64 until;

	if (!ctl->block_active)
		return 0;
	until = fg_block_holds(&fg_blocked, key, now);
	if (until || !ctl->block_source_active)
		return until;
	any = *key;
	any.rule_id = FG_RULE_ID_ANY;
	return fg_block_holds(&fg_blocked, &any, now);
}

/* The box time of a key's strikes-th repeat: first * factor^strikes,
 * at most max. Multiplied only while under max (<= FG_BLOCK_NS_MAX), so
 * it cannot overflow; the loop is bounded for the verifier. */
static __always_inline __u64 fg_block_ns(const struct fg_rule *rule,
					 __u32 strikes)
{
	__u64 ns = rule->block_ns;

	for (__u32 i = 0; i < FG_BLOCK_STRIKES_MAX; i++) {
		if (i >= strikes || ns >= rule->block_max_ns ||
		    ns > FG_BLOCK_NS_MAX)
			break;
		ns *= rule->block_factor;
	}
	return ns < rule->block_max_ns ? ns : rule->block_max_ns;
}

/* Boxes the source; returns when its box ends (0 if the box is full).
 * A global function: its bounded loop (fg_block_ns) is verified once,
 * not once for every path that reaches a drop. A key still remembered from its last box (its time
 * up less than the rule's window ago) is a repeat offender: one strike
 * more, a longer box. A box still running was put there meanwhile by
 * another CPU for the same burst: it stands, it is not a repeat. */
__attribute__((noinline)) __u64 fg_block(struct fg_ctl *ctl,
					 const struct fg_src_key *key,
					 const struct fg_rule *rule, __u32 slot,
					 __u64 now)
{
	struct fg_block b = {.rule_slot = slot};
	struct fg_src_key k;
	int source_scope;
	struct fg_block *last;

	if (!ctl || !key || !rule)
		return 0;
	k = *key;
	source_scope = rule->block_scope == FG_BLOCK_SCOPE_SOURCE;

	if (source_scope)
		k.rule_id = FG_RULE_ID_ANY;
	last = bpf_map_lookup_elem(&fg_blocked, &k);
	if (last && last->until_ns > now) {
		b.until_ns = last->until_ns;
		goto flags;
	}
	if (last && now - last->until_ns < rule->block_window_ns)
		b.strikes = last->strikes < FG_BLOCK_STRIKES_MAX
				? last->strikes + 1
				: FG_BLOCK_STRIKES_MAX;
	b.until_ns = now + fg_block_ns(rule, b.strikes);
	if (bpf_map_update_elem(&fg_blocked, &k, &b, BPF_ANY)) {
		fg_table_event(FG_TABLE_BLOCK_FULL);
		return 0;
	}
	fg_table_event(FG_TABLE_BLOCKED);
flags:
	/* Written only on the 0 -> 1 edge: every CPU reads these lines. */
	if (source_scope && !ctl->block_source_active)
		ctl->block_source_active = 1;
	if (!ctl->block_active)
		ctl->block_active = 1;
	return b.until_ns;
}

#endif /* FG_PENALTY_H */
