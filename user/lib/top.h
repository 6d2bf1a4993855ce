/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The busiest sources in the source table, merged over rules. */
#ifndef FG_TOP_H
#define FG_TOP_H

#include <stddef.h>

#include "mapio.h"

enum fg_top_by { FG_TOP_BY_DROPS, FG_TOP_BY_PACKETS };

struct fg_top_entry {
	__u8 addr[16]; /* the masked source key */
	__u64 passed;
	__u64 dropped;
	unsigned int rules; /* how many rules hold state for it */
};

/* Fills up to n entries, best first; returns how many, or -errno.
 * *total gets the number of distinct sources seen. */
long fg_top_sources(struct fg_maps *m, enum fg_top_by by, size_t n,
		    struct fg_top_entry *out, size_t *total);

/* Every source of the table, merged over its rules, sorted by address
 * (*out, free() it); returns how many, or -errno. *entries: the
 * (source, rule) entries read, the table's fill. */
long fg_top_read(struct fg_maps *m, struct fg_top_entry **out, size_t *entries);

/* What a source is held by, worst first. */
enum fg_top_state {
	FG_TOP_OK = 0,
	FG_TOP_LIMITED,	      /* dropped during the interval */
	FG_TOP_FLEET_BLOCKED, /* in fg_fleet_blocked */
	FG_TOP_BLOCKED,	      /* in the penalty box */
};

/* A source over one interval of `top --watch`. */
struct fg_top_rate {
	__u8 addr[16];
	double pass_pps, drop_pps;
	__u64 passed, dropped; /* cumulative, as fg_top_entry */
	enum fg_top_state state;
};

/*
 * Per-source rates between two reads dt_s seconds apart, both sorted by
 * address (fg_top_read): out gets one per source of cur, ordered by drop
 * rate, then pass rate (by FG_TOP_BY_PACKETS: their sum), then address. A source missing from prev, or
 * whose counts went back (its entry was evicted and made again), counts
 * from zero. States are FG_TOP_LIMITED or FG_TOP_OK: fg_top_mark_held
 * adds the boxes. Pure, for tests.
 */
void fg_top_rates(const struct fg_top_entry *prev, size_t nprev,
		  const struct fg_top_entry *cur, size_t ncur, double dt_s,
		  enum fg_top_by by, struct fg_top_rate *out);

/* Marks the rates' sources found in the penalty box or the fleet's
 * blocks (live entries at now_ns, the datapath's clock); rates sorted as
 * fg_top_rates leaves them. Returns 0 or -errno. */
int fg_top_mark_held(struct fg_maps *m, __u64 now_ns, struct fg_top_rate *r,
		     size_t n);

const char *fg_top_state_label(enum fg_top_state s);

#endif /* FG_TOP_H */
