/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath's part of fleet-wide limits (DESIGN.md §8): count what a
 * rule with `fleet:` passes per source, and drop a source the fleet has
 * blocked. Redis and the arithmetic live in the daemon; here there are
 * two map operations, and none for rules without `fleet:`.
 */
#ifndef FG_FLEET_H
#define FG_FLEET_H

#include "maps.h"
#include "parse.h"
#include "penalty.h"

/* Nonzero while the fleet blocks this (source, rule). No lookup while
 * the fleet blocks nobody. */
static __always_inline int fg_fleet_blocked_now(const struct fg_ctl *ctl,
						const struct fg_rule *rule,
						const struct fg_src_key *key,
						__u64 now)
{
	return rule->fleet && ctl->fleet_block_active &&
	       fg_block_holds(&fg_fleet_blocked, key, now);
}

static __always_inline void fg_fleet_add(struct fg_fleet_count *c,
					 const struct fg_pkt *pkt)
{
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, pkt->len);
	if (pkt->is_syn)
		__sync_fetch_and_add(&c->connections, 1);
}

/* A pass of a rule with `fleet:`, for the daemon to publish. Atomic
 * adds: the daemon's differences must not lose what several CPUs pass
 * at once. */
static __always_inline void fg_fleet_count(const struct fg_rule *rule,
					   const struct fg_src_key *key,
					   const struct fg_pkt *pkt)
{
	struct fg_fleet_count *c, fresh;

	if (!rule->fleet)
		return;
	c = bpf_map_lookup_elem(&fg_fleet_counts, key);
	if (c) {
		fg_fleet_add(c, pkt);
		return;
	}
	fresh.packets = 1;
	fresh.bytes = pkt->len;
	fresh.connections = pkt->is_syn;
	if (bpf_map_update_elem(&fg_fleet_counts, key, &fresh, BPF_NOEXIST)) {
		/* Another CPU made it first: add to its entry. */
		c = bpf_map_lookup_elem(&fg_fleet_counts, key);
		if (c)
			fg_fleet_add(c, pkt);
	}
}

#endif /* FG_FLEET_H */
