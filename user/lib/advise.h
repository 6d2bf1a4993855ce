/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `floodgate advise`'s arithmetic: log buckets of per-source peak rates
 * (the layout of struct fg_advise_hist), percentiles, how many sources a
 * candidate limit touches, and the suggested limit. Pure, for the daemon,
 * the CLI and the unit tests.
 */
#ifndef FG_ADVISE_H
#define FG_ADVISE_H

#include <stddef.h>

#include "fg_abi.h"

/* A bucket's value (its geometric middle) is within this much of any
 * rate in it: 2^(1/32) - 1, half a bucket's width. */
#define FG_ADVISE_REL_ERROR 0.0219

/* Peaks above the polite sources' p99.9 get this much room, then the
 * next round number. */
#define FG_ADVISE_MARGIN 1.5
/* Sources more than this factor above everything below them (and above
 * the median) are outliers: not sized for. */
#define FG_ADVISE_OUTLIER_GAP 4.0

unsigned int fg_advise_bucket(double pps);
double fg_advise_bucket_low(unsigned int i);
double fg_advise_bucket_high(unsigned int i); /* the last: +inf */
double fg_advise_bucket_value(unsigned int i);

/*
 * The floors under which advise suggests nothing and says why (floodgate
 * advise --min-observed, --min-sources). A limit cuts every source of
 * the rule, so it is sized from what the rule's sources usually do: 10
 * minutes is two sampling windows, not a moment's traffic; 50 sources
 * make a distribution whose top is not one host (a few stray packets
 * from 3 sources at 1 pps once made advise offer the default rule 5/s,
 * which would cut every unmatched source to that).
 */
#define FG_ADVISE_MIN_OBSERVED_S 600
#define FG_ADVISE_MIN_SOURCES 50
/* The fastest packet limit a rule takes (config.h: FG_COUNT_NS_MIN). */
#define FG_ADVISE_LIMIT_MAX 10000000.0

/* Histograms of several windows added up, with the time they were
 * sampled (passes x interval) and the sources they could not measure.
 * A source counts once in each window it sent in: total counts
 * source-windows; sources is the most one window measured, a count of
 * distinct sources (the floor's). */
struct fg_advise_dist {
	__u64 count[FG_ADVISE_BUCKETS];
	__u64 total;
	__u64 sources;
	__u64 observed_ms;
	__u64 saturated;
};

/* One window's counts. */
void fg_advise_dist_add(struct fg_advise_dist *d,
			const __u32 count[FG_ADVISE_BUCKETS]);
/* One window's histogram: its counts, sampled time and saturated. */
void fg_advise_dist_add_hist(struct fg_advise_dist *d,
			     const struct fg_advise_hist *h);

struct fg_advise_floor {
	__u64 min_observed_s;
	__u64 min_sources;
};
/* The nearest-rank q-quantile (0 < q <= 1) of the buckets below `end`,
 * as a bucket value; 0 when they are empty. */
double fg_advise_percentile(const struct fg_advise_dist *d, double q,
			    unsigned int end);
/* Sources whose peak (as its bucket's value) is above limit. */
__u64 fg_advise_touched(const struct fg_advise_dist *d, double limit);
/* The smallest of 1, 2, 5 x 10^k that is >= x (x > 0). */
double fg_advise_round_up(double x);

struct fg_advise_suggestion {
	unsigned int outlier_from; /* first outlier bucket; FG_ADVISE_BUCKETS:
				      none */
	__u64 outliers;		   /* sources at or above it */
	double polite_p999;	   /* of the others */
	double polite_max;
	double limit;	   /* packets per second; 0 when refused */
	double burst;	   /* packets */
	char refused[160]; /* "" or why there is no suggestion */
};

/* 0 with a suggestion (a finite limit from 1 to FG_ADVISE_LIMIT_MAX);
 * -ENODATA when d holds no source; -ERANGE with s->refused set when d is
 * under a floor of f or its polite peaks are beyond any limit. The
 * distribution's figures (outliers, polite p99.9 and max) are set in
 * both of the last cases. */
int fg_advise_suggest(const struct fg_advise_dist *d,
		      const struct fg_advise_floor *f,
		      struct fg_advise_suggestion *s);

#endif /* FG_ADVISE_H */
