/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The penalty box: a source that went over a rule with `block` is dropped
 * until its time is up: for traffic matching that rule (block_scope:
 * rule, the default: a spoofed flood over one rule cannot shut its victim
 * out of everything else), or for all it sends (block_scope: source).
 * Entries live in a plain hash (spoofed floods cannot evict them); the
 * daemon expires them.
 */
#ifndef FG_PENALTY_H
#define FG_PENALTY_H

#include "account.h"
#include "maps.h"

/* An entry of a block map (the box, the fleet's) whose time is not up. */
static __always_inline int
fg_block_holds(void *map, const struct fg_src_key *key, __u64 now)
{
	struct fg_block *b = bpf_map_lookup_elem(map, key);

	return b && b->until_ns > now;
}

/* Nonzero while the source sits in the box for this packet's rule (key
 * carries it) or for everything. No lookup while nobody is blocked, and
 * no second one while no source-scoped entry exists. */
static __always_inline int
fg_is_blocked(const struct fg_ctl *ctl, const struct fg_src_key *key, __u64 now)
{
	struct fg_src_key any;

	if (!ctl->block_active)
		return 0;
	if (fg_block_holds(&fg_blocked, key, now))
		return 1;
	if (!ctl->block_source_active)
		return 0;
	any = *key;
	any.rule_id = FG_RULE_ID_ANY;
	return fg_block_holds(&fg_blocked, &any, now);
}

static __always_inline void fg_block(struct fg_ctl *ctl,
				     const struct fg_src_key *key,
				     const struct fg_rule *rule, __u32 slot,
				     __u64 now)
{
	struct fg_block b = {.until_ns = now + rule->block_ns,
			     .rule_slot = slot};
	struct fg_src_key k = *key;
	int source_scope = rule->block_scope == FG_BLOCK_SCOPE_SOURCE;

	if (source_scope)
		k.rule_id = FG_RULE_ID_ANY;
	if (bpf_map_update_elem(&fg_blocked, &k, &b, BPF_ANY)) {
		fg_table_event(FG_TABLE_BLOCK_FULL);
		return;
	}
	fg_table_event(FG_TABLE_BLOCKED);
	/* Written only on the 0 -> 1 edge: every CPU reads these lines. */
	if (source_scope && !ctl->block_source_active)
		ctl->block_source_active = 1;
	if (!ctl->block_active)
		ctl->block_active = 1;
}

#endif /* FG_PENALTY_H */
