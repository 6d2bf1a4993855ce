/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A validated config turned into what the XDP program reads: the
 * fg_config struct and the port-to-rule table. Pure: no BPF calls.
 */
#ifndef FG_RULESET_H
#define FG_RULESET_H

#include "config.h"
#include "fg_abi.h"

#define FG_PORTS 65536

/* Stable id of a rule: state keyed by it survives reordering rules. */
__u32 fg_rule_id(const char *name);

void fg_limit_compile(const struct fg_dim_limit *d, struct fg_limit *out);
/* Raises a limit's tolerance to FG_TICKS_MIN clock ticks (see below). */
void fg_limit_floor(struct fg_limit *l, __u64 tick_ns);
__u32 fg_mask4(unsigned int prefix);
void fg_mask6(unsigned int prefix, __u32 out[4]);

/* The datapath's clock advances in ticks (bpf_ktime_get_coarse_ns:
 * one jiffy). A burst window shorter than a tick would lose the rest of
 * each tick's allowance, so tolerances are raised to FG_TICKS_MIN ticks. */
#define FG_TICKS_MIN 2
/* The coarse clock's tick, from clock_getres(CLOCK_MONOTONIC_COARSE). */
__u64 fg_clock_tick_ns(void);

/* One CIDR of the rules' `destinations`, with the id of the set of
 * rules whose destinations cover it (nested CIDRs composed). */
struct fg_dest_entry {
	struct fg_cidr cidr;
	__u32 set;
};
#define FG_MAX_DEST_ENTRIES (FG_MAX_RULES * FG_MAX_RULE_DESTS)

/* What picks a packet's rule: its port's group (per protocol), then the
 * rule slot of (group, source class, destination set). Large: heap. */
struct fg_rule_match {
	struct fg_port_groups ports[FG_PORTS];
	struct fg_rule_table table;
	size_t ndests;
	struct fg_dest_entry dests[FG_MAX_DEST_ENTRIES];
	/* The distinct destination sets, by id: a bit per user rule. */
	__u64 dest_sets[FG_DEST_SLOTS];
	unsigned int ngroups;
	/* The rule slot of each user rule, in config order, and of each
	 * class's default limits, by class id (FG_RULE_DEFAULT when the
	 * class does not scale them). */
	__u8 rule_slot[FG_MAX_RULES];
	__u8 class_slot[FG_CLASS_SLOTS];
};

/* The name of the default limits' slot scaled for a class. */
#define FG_SCALED_DEFAULT_FMT "default@%s"

/*
 * Fills cfg and match. tick_ns: the datapath clock's tick (0 for an
 * exact clock, as in tests). prev: the running config's rule names by
 * slot (fg_meta.rule_names; "" a free slot), NULL when there is none.
 * A rule (or scaled default) named there keeps its slot, so its state
 * keyed by slot (its counters' row) stays with its name; a new one takes
 * the lowest slot the running config leaves free, so nothing counts into
 * that row while it changes hands (only when the running config uses
 * every slot does it take one a dropped rule leaves). Match order is the
 * config's whatever the slots: fg_rule_table says which slot wins.
 * Returns 0, or -EINVAL with err set (two rule names hashing to one id;
 * more port groups, destination sets or rule slots than the tables
 * hold).
 */
int fg_ruleset_compile(const struct fg_settings *s, __u64 tick_ns,
		       const char (*prev)[FG_RULE_NAME_LEN],
		       struct fg_config *cfg, struct fg_rule_match *match,
		       char *err, size_t errlen);

/* The rule slot the datapath picks, from the compiled tables: what
 * bpf/rules.h computes, for tests, `explain` and the fuzzer's model. */
__u32 fg_rule_match_slot(const struct fg_config *cfg,
			 const struct fg_rule_match *m, unsigned int pclass,
			 bool has_port, __u16 port, __u32 class_id,
			 __u32 dest_set);

#endif /* FG_RULESET_H */
