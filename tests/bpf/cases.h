/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath case table (cases.c), Katran style: each case is a config
 * and a list of steps {packet, how many times, expected verdict, expected
 * counter}. Every run of a step must move exactly one fg_stats counter,
 * (action, reason), by one packet and the frame's bytes, and exactly one
 * fg_rule_stats counter (slot, action), or none when no rule was reached.
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
#define CASE_MAX_STEPS 12

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
};

/* A config as the daemon would have it after parsing YAML. */
struct cfg_def {
	struct fg_dim_limit packets, bytes, conns; /* default limits */
	struct rule_def rules[CASE_MAX_RULES];	   /* name NULL ends */
	const char *allow[CASE_MAX_LIST];	   /* CIDRs, NULL ends */
	const char *deny[CASE_MAX_LIST];
	__u8 ipv4_prefix, ipv6_prefix; /* 0 = 32 and 64 */
	bool malformed_drop, dry_run, disabled;
};

/* Rule slot whose fg_rule_stats counter moves; slot 0 is the default
 * limits, user rules are 1..n in config order. */
#define NO_RULE (-1)

struct step {
	struct pkt_spec pkt;
	unsigned int times; /* runs of this packet; 0 = once */
	__u64 advance_ns;   /* test clock moves this much first */
	int verdict;	    /* XDP_PASS or XDP_DROP; 0 ends the steps */
	enum fg_action action;
	enum fg_reason reason;
	int rule; /* slot, or NO_RULE */
	bool check_sources;
	long sources; /* fg_sources entries after the step */
};

#define EXPECT_PASS(r, slot)                           \
	.verdict = XDP_PASS, .action = FG_ACTION_PASS, \
	.reason = FG_REASON_##r, .rule = (slot)
#define EXPECT_DROP(r, slot)                           \
	.verdict = XDP_DROP, .action = FG_ACTION_DROP, \
	.reason = FG_REASON_##r, .rule = (slot)
#define SOURCES(n) .check_sources = true, .sources = (n)

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
