/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `floodgate explain` (DESIGN.md §9): what the datapath would do now with
 * one packet from an address, and why. The steps of bpf/verdict.h over
 * state read from the maps, with the same rule choice (ruleset.h) and
 * bucket arithmetic (fg_gcra.h). Pure: the caller reads the maps, so a
 * test can feed crafted state.
 */
#ifndef FG_EXPLAIN_H
#define FG_EXPLAIN_H

#include <stdbool.h>

#include "fg_abi.h"
#include "ruleset.h"
#include "units.h"

/* The packet asked about. TCP is a new connection (a SYN): the question
 * is usually "why can this address not connect?". */
struct fg_explain_query {
	struct fg_cidr src;  /* a host address */
	bool has_dst;	     /* --dst: picks rules with `destinations` */
	__u8 dst[16];	     /* mapped like src */
	unsigned int pclass; /* enum fg_proto_class */
	__u16 port;	     /* destination port (TCP, UDP) */
	__u32 len;	     /* bytes, for the bytes dimension */
};
#define FG_EXPLAIN_PORT_DEFAULT 80
#define FG_EXPLAIN_LEN_DEFAULT 64 /* a minimal Ethernet frame */

/* Per-key state, read by the caller: each returns 0 and fills *out, or
 * -ENOENT when the key is not there. */
struct fg_explain_reader {
	void *arg;
	/* The most specific fg_lists entry covering a host address. */
	int (*list)(void *arg, const struct fg_cidr *host,
		    struct fg_cidr *prefix, __u32 *value);
	/* The destination set of an address in the live slot (0: none). */
	__u32 (*dest_set)(void *arg, const __u8 addr[16]);
	int (*source)(void *arg, const struct fg_src_key *k,
		      struct fg_src_state *out);
	int (*aggregate)(void *arg, const struct fg_src_key *k,
			 struct fg_src_state *out);
	int (*blocked)(void *arg, const struct fg_src_key *k,
		       struct fg_block *out);
	int (*fleet_blocked)(void *arg, const struct fg_src_key *k,
			     struct fg_block *out);
	int (*admit)(void *arg, __u64 *tat);
};

/* The live config and the clock the datapath reads
 * (CLOCK_MONOTONIC_COARSE). match: the live slot's port groups (at least
 * the queried port's) and rule table. */
struct fg_explain_state {
	const struct fg_ctl *ctl;
	const struct fg_config *cfg;
	const struct fg_meta *meta;
	const struct fg_rule_match *match;
	__u64 now;
	struct fg_explain_reader rd;
};

/* One dimension's bucket for this key. */
struct fg_explain_dim {
	bool limited;  /* the rule limits this dimension */
	bool applies;  /* this packet costs something in it */
	__u64 tokens;  /* whole units the burst has left now */
	__u64 burst;   /* the most it can hold */
	__u64 wait_ns; /* until a packet like this one conforms */
	bool conforms; /* this packet, now */
};

/* Penalty box or fleet block entries for the key. */
struct fg_explain_block {
	bool found;   /* an entry whose time is not up */
	bool checked; /* the datapath looks it up now (active flags) */
	__u64 left_ns;
	__u32 rule_slot; /* the rule that boxed it */
};

enum fg_explain_stop {
	FG_EXPLAIN_STOP_NONE = 0, /* the whole path */
	FG_EXPLAIN_STOP_DISABLED, /* kill-switch */
	FG_EXPLAIN_STOP_LISTED,	  /* allow or deny entry */
};

/* Fields in an order that packs (clang-tidy's padding check). */
struct fg_explain {
	__u64 box_ns; /* how long this packet would box the key */
	struct fg_explain_block box_rule, box_source, fleet;
	struct fg_src_state st; /* the key's state, when known */
	struct fg_explain_dim dim[FG_DIM_COUNT];
	struct fg_explain_dim agg[FG_DIM_COUNT];
	enum fg_explain_stop stop;
	__u32 list_value; /* as stored: own and effective parts */
	__u32 eff_action; /* FG_LIST_ALLOW, FG_LIST_DENY or 0 */
	__u32 eff_class;  /* the entry's effective class */
	__u32 class_id;	  /* the class that chose the rule (0: none) */
	__u32 dest_set;
	__u32 rule_slot;
	__u32 action; /* enum fg_action */
	__u32 reason; /* enum fg_reason */
	struct fg_src_key key;
	struct fg_src_key agg_key;
	bool listed;
	bool dest_used;	    /* the config has destination rules */
	bool rule_dry_run;  /* the rule runs in shadow mode now */
	bool known;	    /* the key is in fg_sources */
	bool has_agg;	    /* the rule has an aggregate */
	bool admit_refuses; /* a new key over the admission limit */
	bool would_box;	    /* this packet would put the key in the box */
	bool would_rst;	    /* an over-limit SYN answered with a RST */
	struct fg_cidr list_prefix;
};

/* Fills *out. Never fails: a missing entry reads as the datapath reads
 * it (not listed, a new source, not boxed). */
void fg_explain_run(const struct fg_explain_state *s,
		    const struct fg_explain_query *q, struct fg_explain *out);

/* One bucket's view at now: tokens left (floored, >= 0) and the wait
 * until a packet of cost_ns conforms (0: now). */
void fg_explain_bucket(const struct fg_limit *lim, __u64 tat, __u64 now,
		       __u64 cost_ns, struct fg_explain_dim *out);

#endif /* FG_EXPLAIN_H */
