// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "advise.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define LAST (FG_ADVISE_BUCKETS - 1)

unsigned int fg_advise_bucket(double pps)
{
	double i;

	if (!(pps >= 1.0)) /* NaN too */
		return 0;
	i = floor(log2(pps) * FG_ADVISE_SUBOCTAVES) + 1;
	return i >= LAST ? LAST : (unsigned int)i;
}

double fg_advise_bucket_low(unsigned int i)
{
	return i ? exp2((double)(i - 1) / FG_ADVISE_SUBOCTAVES) : 0.0;
}

double fg_advise_bucket_high(unsigned int i)
{
	return i >= LAST ? INFINITY : exp2((double)i / FG_ADVISE_SUBOCTAVES);
}

double fg_advise_bucket_value(unsigned int i)
{
	if (!i)
		return 0.0;
	if (i >= LAST)
		return fg_advise_bucket_low(LAST);
	return exp2(((double)i - 0.5) / FG_ADVISE_SUBOCTAVES);
}

void fg_advise_dist_add(struct fg_advise_dist *d,
			const __u32 count[FG_ADVISE_BUCKETS])
{
	__u64 n = 0;

	for (unsigned int i = 0; i < FG_ADVISE_BUCKETS; i++) {
		d->count[i] += count[i];
		n += count[i];
	}
	d->total += n;
	/* Not the sum: the same sources come back window after window. */
	if (n > d->sources)
		d->sources = n;
}

void fg_advise_dist_add_hist(struct fg_advise_dist *d,
			     const struct fg_advise_hist *h)
{
	fg_advise_dist_add(d, h->count);
	d->observed_ms += (__u64)h->samples * h->interval_ms;
	d->saturated += h->saturated;
}

double fg_advise_percentile(const struct fg_advise_dist *d, double q,
			    unsigned int end)
{
	__u64 n = 0, rank, seen = 0;

	for (unsigned int i = 0; i < end && i < FG_ADVISE_BUCKETS; i++)
		n += d->count[i];
	if (!n)
		return 0.0;
	rank = (__u64)ceil(q * (double)n);
	if (rank < 1)
		rank = 1;
	for (unsigned int i = 0; i < end && i < FG_ADVISE_BUCKETS; i++) {
		seen += d->count[i];
		if (seen >= rank)
			return fg_advise_bucket_value(i);
	}
	return 0.0; /* not reached: rank <= n */
}

__u64 fg_advise_touched(const struct fg_advise_dist *d, double limit)
{
	__u64 n = 0;

	for (unsigned int i = 0; i < FG_ADVISE_BUCKETS; i++)
		if (fg_advise_bucket_value(i) > limit)
			n += d->count[i];
	return n;
}

double fg_advise_round_up(double x)
{
	double p = pow(10.0, floor(log10(x)));

	/* A hair of slack: 200 must not become 500 through log10's
	 * rounding. */
	for (int k = 0; k < 2; k++, p *= 10.0) {
		if (x <= p * 1.000001)
			return p;
		if (x <= 2 * p * 1.000001)
			return 2 * p;
		if (x <= 5 * p * 1.000001)
			return 5 * p;
	}
	return p;
}

/* The first bucket of the outliers: above the median, the widest gap
 * between two occupied buckets, if it is at least FG_ADVISE_OUTLIER_GAP
 * (measured from the lower one's top to the upper one's bottom, so it
 * holds for every rate in them). */
static unsigned int outlier_start(const struct fg_advise_dist *d)
{
	__u64 half = (d->total + 1) / 2, seen = 0;
	unsigned int below = 0, best = FG_ADVISE_BUCKETS;
	double best_gap = FG_ADVISE_OUTLIER_GAP;
	unsigned int i = 0;

	for (; i < FG_ADVISE_BUCKETS; i++) {
		seen += d->count[i];
		if (seen >= half)
			break;
	}
	below = i; /* the median's bucket */
	for (i++; i < FG_ADVISE_BUCKETS; i++) {
		double gap;

		if (!d->count[i])
			continue;
		gap = fg_advise_bucket_low(i) /
		      fmax(fg_advise_bucket_high(below), 1.0);
		if (gap >= best_gap) {
			best_gap = gap;
			best = i;
		}
		below = i;
	}
	return best;
}

int fg_advise_suggest(const struct fg_advise_dist *d,
		      const struct fg_advise_floor *f,
		      struct fg_advise_suggestion *s)
{
	unsigned int top = 0;
	double limit;

	memset(s, 0, sizeof(*s));
	s->outlier_from = FG_ADVISE_BUCKETS;
	if (!d->total)
		return -ENODATA;
	s->outlier_from = outlier_start(d);
	for (unsigned int i = 0; i < FG_ADVISE_BUCKETS; i++) {
		if (i >= s->outlier_from)
			s->outliers += d->count[i];
		else if (d->count[i])
			top = i;
	}
	s->polite_p999 = fg_advise_percentile(d, 0.999, s->outlier_from);
	s->polite_max = fg_advise_bucket_value(top);
	/* The p99.9's bucket top, so the limit clears every rate in it: the
	 * last bucket has none (+inf). */
	limit = fg_advise_round_up(
	    fmax(fg_advise_bucket_high(fg_advise_bucket(s->polite_p999)) *
		     FG_ADVISE_MARGIN,
		 1.0));
	if (d->observed_ms < f->min_observed_s * 1000)
		snprintf(s->refused, sizeof(s->refused),
			 "observed %llus, under the %llus floor "
			 "(--min-observed): too short to show the rule's "
			 "usual peaks",
			 (unsigned long long)(d->observed_ms / 1000),
			 (unsigned long long)f->min_observed_s);
	else if (d->sources < f->min_sources)
		snprintf(s->refused, sizeof(s->refused),
			 "%llu sources in a window at most, under the %llu "
			 "floor (--min-sources): too few to size a limit for "
			 "every other source",
			 (unsigned long long)d->sources,
			 (unsigned long long)f->min_sources);
	else if (!isfinite(limit) || limit > FG_ADVISE_LIMIT_MAX)
		snprintf(s->refused, sizeof(s->refused),
			 "the polite sources peak at %.4g pps or more, beyond "
			 "the highest limit a rule takes (%.0f/s)",
			 fg_advise_bucket_low(fg_advise_bucket(s->polite_p999)),
			 FG_ADVISE_LIMIT_MAX);
	if (s->refused[0])
		return -ERANGE;
	s->limit = limit;
	/* One second at the limit: a polite source's whole peak second
	 * passes even if it comes at once. */
	s->burst = s->limit;
	return 0;
}
