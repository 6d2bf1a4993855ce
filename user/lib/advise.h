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

/* Histograms of several windows added up. */
struct fg_advise_dist {
	__u64 count[FG_ADVISE_BUCKETS];
	__u64 total;
};

void fg_advise_dist_add(struct fg_advise_dist *d,
			const __u32 count[FG_ADVISE_BUCKETS]);
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
	double limit; /* packets per second */
	double burst; /* packets */
};

/* 0, or -ENODATA when d holds no source. */
int fg_advise_suggest(const struct fg_advise_dist *d,
		      struct fg_advise_suggestion *s);

#endif /* FG_ADVISE_H */
