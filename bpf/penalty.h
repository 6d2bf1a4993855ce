/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The penalty box: a source that went over a rule with `block` is dropped
 * until its time is up, whatever it sends. Entries live in a plain hash
 * (spoofed floods cannot evict them); the daemon expires them.
 */
#ifndef FG_PENALTY_H
#define FG_PENALTY_H

#include "maps.h"

/* Nonzero while the source sits in the box. Skipped entirely (no
 * lookup) while nobody is blocked. */
static __always_inline int
fg_is_blocked(const struct fg_ctl *ctl, const struct fg_src_key *key, __u64 now)
{
	struct fg_block *b;

	if (!ctl->block_active)
		return 0;
	b = bpf_map_lookup_elem(&fg_blocked, key->addr);
	return b && b->until_ns > now;
}

static __always_inline void fg_block(struct fg_ctl *ctl,
				     const struct fg_src_key *key,
				     const struct fg_rule *rule, __u32 slot,
				     __u64 now)
{
	struct fg_block b = {.until_ns = now + rule->block_ns,
			     .rule_slot = slot};

	if (bpf_map_update_elem(&fg_blocked, key->addr, &b, BPF_ANY)) {
		fg_table_event(FG_TABLE_BLOCK_FULL);
		return;
	}
	fg_table_event(FG_TABLE_BLOCKED);
	/* Written only on the 0 -> 1 edge: every CPU reads this line. */
	if (!ctl->block_active)
		ctl->block_active = 1;
}

#endif /* FG_PENALTY_H */
