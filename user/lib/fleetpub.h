/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a host publishes to the fleet each sync period (DESIGN.md §8),
 * as pure arithmetic over the datapath's cumulative pass counts
 * (fg_fleet_counts): no Redis, no BPF calls.
 *
 * The fleet keeps one GCRA timestamp (TAT) per (source, rule,
 * dimension) in Redis; a host charges it with what the source passed
 * here since the last period: units x interval, in ns of the limit's
 * time. A source whose charge this period is under 1/8 of its share
 * (sync / hosts) is not published: its remainder is carried until it
 * grows past that, or dropped once older than max(4 periods, 1s). So a
 * quiet source costs no Redis work, and what is never published is at
 * most 1/32 of the limit over the fleet (see README "Running a fleet").
 */
#ifndef FG_FLEETPUB_H
#define FG_FLEETPUB_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "fg_abi.h"

/* A rule with a fleet limit, as the arithmetic needs it. */
struct fg_fleet_rule {
	__u32 id;   /* fg_rule.id: the key's rule id */
	__u32 slot; /* rule slot, for fg_block.rule_slot */
	double interval_ns[FG_DIM_COUNT];  /* one unit's time; 0 = unlimited */
	double tolerance_ns[FG_DIM_COUNT]; /* burst x interval */
};

struct fg_fleet_rules {
	unsigned int n;
	struct fg_fleet_rule rule[FG_MAX_RULES];
};

/* The fleet's rules of s; rule_slot: each rule's slot, in config order
 * (fg_rule_match.rule_slot), or NULL where only the ids matter (slot 0
 * then). A tolerance is at least two sync periods' worth: counts arrive
 * a period at a time, and a smaller one would block a source at its
 * limit on every arrival. */
void fg_fleet_rules_build(const struct fg_settings *s, const __u8 *rule_slot,
			  struct fg_fleet_rules *out);
const struct fg_fleet_rule *fg_fleet_rule_find(const struct fg_fleet_rules *r,
					       __u32 id);

/* One source's charge for one period. */
struct fg_fleet_item {
	struct fg_src_key key;
	double charge_ns[FG_DIM_COUNT];
	double tolerance_ns[FG_DIM_COUNT];
	__u64 counts[FG_DIM_COUNT]; /* as read: the baseline once sent */
};

/* Sources one host publishes per period at most, the largest charges
 * first; the rest carry to the next period. Bounds a period's Redis
 * work (about 2 script calls per source and dimension) whatever the
 * number of active sources. */
#define FG_FLEET_PUBLISH_MAX 16384

/* Publication threshold in ns of charge: 1/8 of a host's share. */
double fg_fleet_threshold_ns(__u64 sync_ns, unsigned int hosts);
/* How long a remainder under the threshold is carried. */
__u64 fg_fleet_carry_ns(__u64 sync_ns);
/* cur - base of a cumulative counter; an entry the LRU dropped and the
 * datapath made anew reads lower than its base: all of it is new. */
__u64 fg_fleet_delta(__u64 cur, __u64 base);

/* The baselines: what was last published (or dropped) per source. */
struct fg_fleet_table;
struct fg_fleet_table *fg_fleet_table_new(void);
void fg_fleet_table_free(struct fg_fleet_table *t);
size_t fg_fleet_table_size(const struct fg_fleet_table *t);

struct fg_fleet_period {
	__u64 now_ns, sync_ns;
	unsigned int hosts; /* seen in the last sync; at least 1 */
	/* false while Redis is away: baselines move on, nothing is kept
	 * for later (a backlog would charge old traffic as new). */
	bool publish;
	size_t max_items; /* 0: FG_FLEET_PUBLISH_MAX */
};

/*
 * One period over the counters read from the map (keys[i], vals[i]).
 * Writes the sources to publish into out (room for n), largest charge
 * first when more than max_items qualify, and returns how many. Sources gone from the map are forgotten. The first call after
 * fg_fleet_table_new only takes baselines: counts made before this
 * daemon started are not charged. Returns -ENOMEM if the table could
 * not grow (nothing published; the next period retries).
 */
long fg_fleet_table_period(struct fg_fleet_table *t,
			   const struct fg_fleet_rules *rules,
			   const struct fg_src_key *keys,
			   const struct fg_fleet_count *vals, size_t n,
			   const struct fg_fleet_period *p,
			   struct fg_fleet_item *out);

#endif /* FG_FLEETPUB_H */
