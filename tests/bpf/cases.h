/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath case table (cases.c), Katran style: each case is a config
 * and a list of steps {packet, how many times, expected verdict, expected
 * counter}. Every run of a step must move exactly one fg_stats counter,
 * (action, reason), by one packet and the frame's bytes, and exactly one
 * per-rule counter (slot, action), or none when no rule was reached.
 */
#ifndef FG_TEST_CASES_H
#define FG_TEST_CASES_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "fg_abi.h"
#include "pkt.h"

#define CASE_MAX_RULES 4
#define CASE_MAX_LIST 4
#define CASE_MAX_STEPS 16

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_HOUR (3600 * NSEC_PER_SEC)

/* struct fg_dim_limit: rate `n` per second / hour, `burst` back-to-back. */
#define PER_SEC(n, burst)                    \
	{                                    \
		{(n), NSEC_PER_SEC}, (burst) \
	}
#define PER_HOUR(n, burst)                    \
	{                                     \
		{(n), NSEC_PER_HOUR}, (burst) \
	}

struct rule_def {
	const char *name;
	enum fg_protocol proto;
	struct fg_port_range ports[4]; /* {0, 0} ends; none = any port */
	struct fg_dim_limit packets, bytes, conns;
	__u64 block_ns; /* penalty box; 0 = none */
	enum fg_block_scope block_scope;
	/* Escalating block: repeat_factor (0 = 1), max, window. */
	unsigned int block_factor;
	__u64 block_max_ns, block_window_ns;
	enum fg_rule_action action;   /* over limit: drop, or RST a SYN */
	struct fg_aggregate_spec agg; /* .enabled: a whole-prefix cap */
	/* A `fleet:` limit (the fleet's rate is the daemon's business;
	 * the datapath only sees that the rule has one). */
	bool fleet;
	const char *sources[4]; /* class names; NULL ends; none = any */
	const char *dests[4];	/* destination CIDRs; none = any */
	bool dry_run;		/* the rule's shadow mode */
};

/* A source class: its CIDRs and limits_scale (thousandths; 0 = 1x). */
struct class_def {
	const char *name; /* NULL ends */
	const char *cidrs[4];
	__u32 scale;
};

/* A config as the daemon would have it after parsing YAML. */
struct cfg_def {
	struct fg_dim_limit packets, bytes, conns; /* default limits */
	struct rule_def rules[CASE_MAX_RULES];	   /* name NULL ends */
	const char *allow[CASE_MAX_LIST];	   /* CIDRs, NULL ends */
	const char *deny[CASE_MAX_LIST];
	__u8 ipv4_prefix, ipv6_prefix; /* 0 = 32 and 64 */
	bool malformed_drop, dry_run, disabled;
	/* table.new_sources. rate.per_ns 0 (left out): the default,
	 * max_sources/16 per second; ADMIT_OFF: no admission limit. */
	struct fg_dim_limit admit;
	/* fleet.redis; NULL: "", no fleet, so no rule counts or checks. */
	const char *redis;
	struct class_def classes[4];
};
#define ADMIT_OFF                    \
	{                            \
		{0, NSEC_PER_SEC}, 0 \
	}

/* Rule slot whose per-rule counter moves; slot 0 is the default
 * limits, user rules are 1..n in config order. */
#define NO_RULE (-1)

/* A penalty-box entry: the source as the table keys it (masked to the
 * table prefix), until `until_ns` after the test clock as the step ends
 * (a step's runs all happen at one instant), put there by rule `rule`. */
struct block_def {
	const char *addr; /* NULL: none */
	__u64 until_ns;
	int rule;
	bool source_scope; /* keyed for all traffic, not the rule's */
	__u32 strikes;	   /* repeats (escalating block) */
};

/* An fg_fleet_counts entry: what (addr as keyed, rule slot) passed. */
struct fleet_count_def {
	const char *addr; /* NULL: none */
	int rule;
	__u64 packets, bytes, connections;
};

/* A 0/1 field a step may set or check; FLAG_ANY leaves it alone. */
enum flag { FLAG_ANY = 0, FLAG_0, FLAG_1 };

struct step {
	struct pkt_spec pkt;
	unsigned int times; /* runs of this packet; 0 = once */
	/* Runs cycle over this many sources: pkt.src, pkt.src + step, ...
	 * (added to the address's low 32 bits; step 0 = 1). */
	unsigned int spread, spread_step;
	__u64 advance_ns; /* test clock moves this much first */
	int verdict;	  /* XDP_PASS, _DROP or _TX; 0 ends the steps */
	enum fg_action action;
	enum fg_reason reason;
	int rule;     /* slot, or NO_RULE */
	long sources; /* fg_sources entries after the step (check_sources) */

	/* Before the runs (after the clock moved). */
	struct block_def put_block; /* an fg_blocked entry, by hand */
	enum flag set_block_active;
	enum flag set_block_source_active;
	struct block_def put_fleet_block; /* an fg_fleet_blocked entry */
	enum flag set_fleet_block_active;
	bool expire_box; /* the daemon's box expiry runs, at the test clock */

	/* After the step. */
	struct block_def blocked; /* this entry exists, exactly */
	const char *not_blocked;  /* no entry for this source, any rule */
	long nblocked;		  /* fg_blocked entries (check_blocked) */
	enum flag block_active;
	enum flag block_source_active;
	__u64 table[FG_TABLE_EVENTS]; /* fg_table_stats moved by this much */
	struct fleet_count_def fleet_count; /* this entry exists, exactly */
	const char *no_fleet_count; /* no entry for this source, any rule */
	long nfleet_counts; /* fg_fleet_counts entries (check_fleet_counts) */

	/* Flags together: the struct stays small. */
	bool check_sources;
	bool fill_blocked; /* before: fill fg_blocked to FG_MAX_BLOCKED */
	bool check_blocked;
	bool check_table;
	/* Every run's output frame is the RST|ACK answering its SYN. */
	bool check_rst;
	bool check_fleet_counts;
};

#define EXPECT_PASS(r, slot)                           \
	.verdict = XDP_PASS, .action = FG_ACTION_PASS, \
	.reason = FG_REASON_##r, .rule = (slot)
#define EXPECT_DROP(r, slot)                           \
	.verdict = XDP_DROP, .action = FG_ACTION_DROP, \
	.reason = FG_REASON_##r, .rule = (slot)
#define EXPECT_RESET(r, slot)                                                  \
	.verdict = XDP_TX, .action = FG_ACTION_RESET, .reason = FG_REASON_##r, \
	.rule = (slot), .check_rst = true
#define SOURCES(n) .check_sources = true, .sources = (n)
/* fg_table_stats deltas over the step, e.g. TABLE([FG_TABLE_REFUSED] = 1);
 * events left out must not move. */
#define TABLE(...) .check_table = true, .table = {__VA_ARGS__}
#define BLOCKED(n) .check_blocked = true, .nblocked = (n)
#define FLEET_COUNTS(n) .check_fleet_counts = true, .nfleet_counts = (n)

struct fg_case {
	const char *name;
	const struct cfg_def *cfg;
	/* Timing matters (per-second rates, clock steps): only the
	 * test-clock object runs it. Any step with advance_ns implies it. */
	bool needs_clock;
	struct step steps[CASE_MAX_STEPS];
};

extern const struct fg_case fg_cases[];
extern const size_t fg_ncases;

bool case_needs_clock(const struct fg_case *c);

#endif /* FG_TEST_CASES_H */
