/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One loaded floodgate object and what a test does with it: configure it
 * as the daemon does (fg_compile, fg_publish, lists,
 * fg_ctl), run a frame through BPF_PROG_TEST_RUN, read the counters,
 * reset every piece of state between cases. Functions return 0 or -errno.
 */
#ifndef FG_TEST_FIXTURE_H
#define FG_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "fg_abi.h"
#include "mapio.h"
#include "publish.h"

#define FX_NSEC_PER_SEC 1000000000ULL
/* GCRA reads a TAT of 0 as "never seen": start the test clock far from 0. */
#define FX_CLOCK_START (1000 * FX_NSEC_PER_SEC)

struct floodgate_bpf;

struct fx {
	const char *label; /* "test-clock" or "production" */
	bool test_clock;   /* loaded with fg_use_test_clock = 1 */
	struct floodgate_bpf *skel;
	struct fg_maps maps;
	int prog_fd;
	int ncpus;
	int runt_mode; /* which runt layout the kernel takes; 0 = unknown */
	struct fg_compiled compiled; /* the last fx_configure's */
	int err;		     /* why fx_open failed; 0 when loaded */
	char errmsg[160];
};

struct fx_counters {
	struct fg_counter stats[FG_STATS_ENTRIES];
	struct fg_counter rules[FG_RULE_STATS_ENTRIES];
};

/* One BPF_PROG_TEST_RUN. repeat > 1 runs the frame that many times (a
 * micro-benchmark: duration_ns is the mean per run). With `out`, the
 * frame as the program left it (an XDP_TX rewrite) lands there and
 * out_len says how long it is; runts (under ETH_HLEN) give no output. */
struct fx_run {
	__u32 repeat;
	__u32 retval;
	__u32 duration_ns;
	void *out;
	__u32 out_size;
	__u32 out_len;
};

/* Loads the shipped object; test_clock makes it read fg_test_clock_ns
 * and take its test hooks (bpf/testhook.h). */
int fx_open(struct fx *fx, const char *label, bool test_clock);
void fx_close(struct fx *fx);

/* Empties fg_sources, fg_lists, fg_blocked and fg_aggregates, zeroes the
 * counters, the table events and the admission bucket, clears
 * block_active, enables the program in enforce mode, puts the test clock
 * at FX_CLOCK_START, disarms the test hooks. */
int fx_reset(struct fx *fx);

/* What production does with a validated config. */
int fx_configure(struct fx *fx, const struct fg_settings *s, char *err,
		 size_t errlen);

void fx_clock_advance(struct fx *fx, __u64 ns);
__u64 fx_clock_now(const struct fx *fx);

int fx_run(struct fx *fx, const void *frame, size_t len, struct fx_run *r);
int fx_read_counters(struct fx *fx, struct fx_counters *c);
long fx_sources(struct fx *fx);
/* fg_sources entries keyed by a whole address (only those skip the
 * lists) whose lists_gen is not fg_ctl's. */
long fx_sources_stale_gen(struct fx *fx);
/* fg_table_stats summed over CPUs. */
int fx_table_stats(struct fx *fx, __u64 out[FG_TABLE_EVENTS]);

/* The penalty box, keyed by a 16-byte (mapped) address as the table
 * keys it and a rule id (FG_RULE_ID_ANY: boxed for all traffic). get: 0,
 * or -ENOENT. */
int fx_blocked_get(struct fx *fx, const __u8 addr[16], __u32 rule_id,
		   struct fg_block *b);
int fx_blocked_put(struct fx *fx, const __u8 addr[16], __u32 rule_id,
		   const struct fg_block *b);
/* Entries of this address, for any rule. */
long fx_blocked_count_addr(struct fx *fx, const __u8 addr[16]);
long fx_blocked_count(struct fx *fx);

/* Fleet-wide limits' maps, keyed like the penalty box: the fleet's
 * blocks (fg_fleet_blocked), and what each (source, rule) passed
 * (fg_fleet_counts). get: 0, or -ENOENT. fx_reset empties both and
 * clears fleet_block_active. */
int fx_fleet_block_put(struct fx *fx, const __u8 addr[16], __u32 rule_id,
		       const struct fg_block *b);
int fx_fleet_count_get(struct fx *fx, const __u8 addr[16], __u32 rule_id,
		       struct fg_fleet_count *c);
/* Entries of this address, for any rule (addr NULL: all entries). */
long fx_fleet_counts_addr(struct fx *fx, const __u8 *addr);

/* Settings as a config file with no keys would give them, written here
 * rather than taken from config.c: prefixes /32 and /64, unlimited
 * defaults, enforce mode, enabled. */
void fx_settings_init(struct fg_settings *s);
/* "192.0.2.0/24", "2001:db8::/32" or a bare address. */
int fx_cidr(const char *text, struct fg_cidr *out);

/* "XDP_PASS" etc. for messages. */
const char *fx_xdp_name(__u32 act);

#endif /* FG_TEST_FIXTURE_H */
