/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A reference model of the per-packet verdict (DESIGN.md §2, README "How
 * the datapath works"), written apart from bpf/ so the fuzzer can predict
 * every frame's verdict, reason and rule: lists (longest prefix, deny on
 * a tie), penalty box with its scope and escalation, GCRA per (source, rule, dimension)
 * with its own arithmetic, aggregates, the admission limit, dry-run,
 * `malformed`, `action: reset`, fleet-wide limits (the fleet's blocks
 * and what is counted for the fleet). It takes from the compiled config only
 * what fg_ruleset_compile has its own tests for: the limits' fixed-point
 * intervals and tolerances, and the rule ids.
 *
 * Single-CPU semantics: no compare-and-swap races, and no LRU eviction
 * (the caller keeps the number of keys far below the maps' sizes).
 */
#ifndef FG_TEST_MODEL_H
#define FG_TEST_MODEL_H

#include <stdbool.h>
#include <linux/types.h>

#include "config.h"
#include "fg_abi.h"

enum model_class {
	MODEL_IP,
	MODEL_NOT_IP,
	MODEL_MALFORMED, /* no source to charge */
	MODEL_TAIL,	 /* a valid IP header, then a malformed tail */
};

/* A frame as the parser sees it. */
struct model_pkt {
	enum model_class cls;
	__u8 saddr[16]; /* IPv4 mapped */
	bool is_v6;
	int pclass; /* enum fg_proto_class */
	bool has_port;
	unsigned int dport;
	bool is_syn;
	/* An RST can be built in place: IPv4 without options, IPv6 with
	 * TCP right behind its header. */
	bool rst_fits;
	__u32 len; /* frame length */
};

struct model_verdict {
	enum fg_action action;
	enum fg_reason reason;
	int rule; /* slot, or -1 when no rule was reached */
};

struct model;

struct model *model_new(void);
void model_free(struct model *m);
/* Forgets every source, aggregate, box entry and the admission bucket:
 * what fx_reset does to the maps. */
void model_reset(struct model *m);
/* The config in force: the settings and what they compiled to. Both must
 * outlive the calls that follow. */
void model_configure(struct model *m, const struct fg_settings *s,
		     const struct fg_config *cfg);
/* One frame at `now`: the verdict, with the state moved as the program
 * would move it. */
void model_frame(struct model *m, const struct model_pkt *p, __u64 now,
		 bool enabled, bool dry_run, struct model_verdict *v);

/* The key (source as the table keys it, rule slot's id) of a source
 * address (16 bytes, IPv4 mapped). */
void model_key(const struct model *m, const __u8 saddr[16], bool is_v6,
	       int slot, struct fg_src_key *k);
/* Fleet-wide limits: fg_ctl.fleet_block_active, an fg_fleet_blocked
 * entry, and what the model counted for a key (false: no entry) and
 * for how many keys. model_reset clears all of them. */
void model_fleet_block_active(struct model *m, bool on);
void model_fleet_block(struct model *m, const struct fg_src_key *k,
		       __u64 until_ns);
bool model_fleet_count(struct model *m, const struct fg_src_key *k,
		       struct fg_fleet_count *c);
long model_fleet_keys(const struct model *m);

#endif /* FG_TEST_MODEL_H */
