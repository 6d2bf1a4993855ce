// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `floodgate advise`'s arithmetic (user/lib/advise.c) and the sampler's
 * per-source peaks (user/lib/advisepeaks.c): known inputs, known
 * percentiles within the bucket error, the outlier split, the suggested
 * limit, and each source counted once per window at its peak.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "advise.h"
#include "advisepeaks.h"

/* |got - want| within the documented relative error. */
static void assert_within_error(double got, double want)
{
	if (fabs(got - want) > want * FG_ADVISE_REL_ERROR) {
		print_error("%g is not within %.1f%% of %g\n", got,
			    FG_ADVISE_REL_ERROR * 100, want);
		fail();
	}
}

/* n more sources, in the one window d holds. */
static void add(struct fg_advise_dist *d, double pps, unsigned int n)
{
	d->count[fg_advise_bucket(pps)] += n;
	d->total += n;
	d->sources += n;
}

static void test_buckets(void **state)
{
	(void)state;
	assert_int_equal(fg_advise_bucket(0), 0);
	assert_int_equal(fg_advise_bucket(0.5), 0);
	assert_int_equal(fg_advise_bucket(NAN), 0);
	assert_int_equal(fg_advise_bucket(1), 1);
	assert_int_equal(fg_advise_bucket(2), 1 + FG_ADVISE_SUBOCTAVES);
	assert_int_equal(fg_advise_bucket(1e12), FG_ADVISE_BUCKETS - 1);
	/* Every rate is within the error of its bucket's value, and inside
	 * the bucket's bounds. */
	for (int k = 0; k < 1250; k++) {
		double r = pow(1.013, k); /* 1 to 1e7 */
		unsigned int b = fg_advise_bucket(r);

		assert_within_error(fg_advise_bucket_value(b), r);
		assert_true(fg_advise_bucket_low(b) <= r);
		assert_true(r < fg_advise_bucket_high(b));
	}
}

static void test_percentiles(void **state)
{
	struct fg_advise_dist d = {0};
	unsigned int over = 0;
	double edge;

	(void)state;
	/* 1000 sources at 1..1000 pps: nearest rank. */
	for (int i = 1; i <= 1000; i++)
		add(&d, i, 1);
	assert_within_error(fg_advise_percentile(&d, 0.5, FG_ADVISE_BUCKETS),
			    500);
	assert_within_error(fg_advise_percentile(&d, 0.99, FG_ADVISE_BUCKETS),
			    990);
	assert_within_error(fg_advise_percentile(&d, 0.999, FG_ADVISE_BUCKETS),
			    999);
	assert_within_error(fg_advise_percentile(&d, 1, FG_ADVISE_BUCKETS),
			    1000);
	/* Only the buckets below 100's (which also holds 98 and 99). */
	assert_within_error(fg_advise_percentile(&d, 1, fg_advise_bucket(100)),
			    97);
	assert_true(fg_advise_percentile(&d, 0.5, 0) == 0);
	/* Sources over a limit, as their buckets say: exact at a bucket's
	 * edge; inside a bucket its sources count all or none. */
	edge = fg_advise_bucket_low(fg_advise_bucket(900));
	for (int i = 1; i <= 1000; i++)
		over += i >= edge;
	assert_int_equal(fg_advise_touched(&d, edge), over);
	assert_true(over > 100 && over < 110);
	assert_int_equal(fg_advise_touched(&d, 2000), 0);
}

static void test_round_up(void **state)
{
	(void)state;
	assert_true(fg_advise_round_up(0.3) == 0.5);
	assert_true(fg_advise_round_up(1) == 1);
	assert_true(fg_advise_round_up(1.2) == 2);
	assert_true(fg_advise_round_up(150) == 200);
	assert_true(fg_advise_round_up(200) == 200);
	assert_true(fg_advise_round_up(201) == 500);
	assert_true(fg_advise_round_up(501) == 1000);
	assert_true(fg_advise_round_up(7000) == 10000);
}

/* The arithmetic alone: no floor. */
static const struct fg_advise_floor no_floor = {0, 0};
static const struct fg_advise_floor floor_default = {FG_ADVISE_MIN_OBSERVED_S,
						     FG_ADVISE_MIN_SOURCES};

/* The lab's mix: 10 polite at 20, 2 heavier at 100, one flood at 1000. */
static void test_suggest_lab_mix(void **state)
{
	struct fg_advise_dist d = {0};
	struct fg_advise_suggestion s;

	(void)state;
	add(&d, 20, 10);
	add(&d, 100, 2);
	add(&d, 1000, 1);
	assert_int_equal(fg_advise_suggest(&d, &no_floor, &s), 0);
	assert_int_equal(s.outliers, 1);
	assert_within_error(s.polite_max, 100);
	assert_within_error(s.polite_p999, 100);
	assert_true(s.limit == 200);
	assert_true(s.burst == s.limit);
	assert_int_equal(fg_advise_touched(&d, s.limit), 1);
}

/* No gap of 4x above the median: no outliers; the limit sits over the
 * p99.9 with the margin, rounded. */
static void test_suggest_no_outliers(void **state)
{
	struct fg_advise_dist d = {0};
	struct fg_advise_suggestion s;

	(void)state;
	for (int i = 1; i <= 2000; i++)
		add(&d, 10 + i % 90, 1);
	assert_int_equal(fg_advise_suggest(&d, &no_floor, &s), 0);
	assert_int_equal(s.outliers, 0);
	assert_int_equal(s.outlier_from, FG_ADVISE_BUCKETS);
	assert_within_error(s.polite_p999, 99);
	assert_true(s.limit == 200); /* 99 * 1.5 -> 200 */
	assert_int_equal(fg_advise_touched(&d, s.limit), 0);
}

/* Of two gaps above the median the wider one splits: 50 -> 300 is 6x,
 * 300 -> 9000 is 30x; the 300s are polite, the 9000s outliers. */
static void test_suggest_widest_gap(void **state)
{
	struct fg_advise_dist d = {0};
	struct fg_advise_suggestion s;

	(void)state;
	add(&d, 50, 100);
	add(&d, 300, 5);
	add(&d, 9000, 3);
	assert_int_equal(fg_advise_suggest(&d, &no_floor, &s), 0);
	assert_int_equal(s.outliers, 3);
	assert_within_error(s.polite_max, 300);
	assert_true(s.limit == 500);
	assert_int_equal(fg_advise_touched(&d, s.limit), 3);
}

static void test_suggest_empty(void **state)
{
	struct fg_advise_dist d = {0};
	struct fg_advise_suggestion s;

	(void)state;
	assert_int_equal(fg_advise_suggest(&d, &no_floor, &s), -ENODATA);
}

/* What advise once answered 10 s after start: 3 stray sources at 1 pps
 * on the default rule got "packets 5/s". Under the floors it says what
 * it saw and why it suggests nothing; above them, it suggests. */
static void test_suggest_floors(void **state)
{
	struct fg_advise_dist d = {0};
	struct fg_advise_suggestion s;

	(void)state;
	add(&d, 1, 3);
	d.observed_ms = 10000;
	assert_int_equal(fg_advise_suggest(&d, &floor_default, &s), -ERANGE);
	assert_true(s.limit == 0 && s.burst == 0);
	assert_non_null(strstr(s.refused, "observed 10s, under the 600s"));
	d.observed_ms = 3600000;
	assert_int_equal(fg_advise_suggest(&d, &floor_default, &s), -ERANGE);
	assert_non_null(strstr(s.refused, "3 sources in a window at most, "
					  "under the 50"));
	add(&d, 1, 47);
	assert_int_equal(fg_advise_suggest(&d, &floor_default, &s), 0);
	assert_string_equal(s.refused, "");
	assert_true(s.limit == 2);
	d.observed_ms = 599999; /* 599.999 s: under */
	assert_int_equal(fg_advise_suggest(&d, &floor_default, &s), -ERANGE);
}

/* Polite peaks in the last bucket (2^24 pps and up) have no top: the
 * limit was +inf ("packets inf/s"). Nothing above what a rule takes is
 * suggested, nor 0. */
static void test_suggest_never_inf(void **state)
{
	struct fg_advise_dist d = {0};
	struct fg_advise_suggestion s;

	(void)state;
	add(&d, 1e9, 100);
	assert_int_equal(fg_advise_suggest(&d, &no_floor, &s), -ERANGE);
	assert_true(s.limit == 0);
	assert_non_null(strstr(s.refused, "beyond the highest limit"));
	memset(&d, 0, sizeof(d));
	add(&d, 8e6, 100); /* 1.5x the bucket's top: over 10^7 */
	assert_int_equal(fg_advise_suggest(&d, &no_floor, &s), -ERANGE);
	memset(&d, 0, sizeof(d));
	add(&d, 0.1, 100); /* under 1 pps: still 1 or more */
	assert_int_equal(fg_advise_suggest(&d, &no_floor, &s), 0);
	assert_true(isfinite(s.limit) && s.limit >= 1 && s.burst >= 1);
}

/* A window's histogram into the distribution: its sampled time (passes
 * x interval) and its sources not measured. */
static void test_dist_add_hist(void **state)
{
	struct fg_advise_dist d = {0};
	struct fg_advise_hist h = {.interval_ms = 1000, .samples = 300};

	(void)state;
	h.count[fg_advise_bucket(20)] = 4;
	h.saturated = 2;
	fg_advise_dist_add_hist(&d, &h);
	h.samples = 10;
	fg_advise_dist_add_hist(&d, &h);
	assert_int_equal(d.total, 8);
	assert_int_equal(d.sources, 4);
	assert_int_equal(d.observed_ms, 310000);
	assert_int_equal(d.saturated, 4);
}

/* The same 5 sources through the 12 windows of an hour are 60
 * source-windows but 5 sources: under the floor of 50, and reported as
 * 5. The busiest window gives the count. */
static void test_sources_floor_over_windows(void **state)
{
	struct fg_advise_dist d = {0};
	struct fg_advise_hist h = {.interval_ms = 1000, .samples = 300};
	struct fg_advise_suggestion s;

	(void)state;
	h.count[fg_advise_bucket(1)] = 5;
	for (int i = 0; i < 12; i++)
		fg_advise_dist_add_hist(&d, &h);
	assert_int_equal(d.total, 60);
	assert_int_equal(d.sources, 5);
	assert_int_equal(fg_advise_suggest(&d, &floor_default, &s), -ERANGE);
	assert_non_null(strstr(s.refused, "5 sources in a window at most"));
	h.count[fg_advise_bucket(1)] = 50;
	fg_advise_dist_add_hist(&d, &h);
	assert_int_equal(d.sources, 50);
	assert_int_equal(fg_advise_suggest(&d, &floor_default, &s), 0);
}

static struct fg_src_key key(__u8 last, __u32 rule)
{
	struct fg_src_key k = {.rule_id = rule};

	k.addr[3] = last;
	return k;
}

static int observe(struct fg_peaks *p, __u8 src, __u64 total, __u64 ms,
		   __u64 window, struct fg_peak_move *mv)
{
	struct fg_src_key k = key(src, 0);

	return fg_peaks_observe(p, &k, total, false, ms, window, mv);
}

static void test_peaks(void **state)
{
	struct fg_peaks *p = fg_peaks_new();
	struct fg_peak_move mv;

	(void)state;
	assert_non_null(p);
	/* The first pass sets baselines only. */
	assert_int_equal(observe(p, 1, 500, 0, 300, &mv), 0);
	assert_int_equal(fg_peaks_end_pass(p), 0);
	/* 20 packets in 1 s: counted at 20 pps. */
	assert_int_equal(observe(p, 1, 520, 1000, 300, &mv), 1);
	assert_int_equal(mv.from, -1);
	assert_int_equal(mv.to, (int)fg_advise_bucket(20));
	assert_true(fabs(mv.pps - 20) < 1e-9);
	/* A new source: what it sent since the last pass, over one
	 * interval. */
	assert_int_equal(observe(p, 2, 7, 1000, 300, &mv), 1);
	assert_int_equal(mv.to, (int)fg_advise_bucket(7));
	assert_int_equal(fg_peaks_end_pass(p), 0);
	/* Slower: no change; faster (over 2 s): moved up. */
	assert_int_equal(observe(p, 1, 530, 2000, 300, &mv), 0);
	assert_int_equal(observe(p, 1, 630, 3000, 300, &mv), 1);
	assert_int_equal(mv.from, (int)fg_advise_bucket(20));
	assert_int_equal(mv.to, (int)fg_advise_bucket(100));
	/* Silent: not counted again. */
	assert_int_equal(observe(p, 2, 7, 3000, 300, &mv), 0);
	assert_int_equal(fg_peaks_end_pass(p), 0);
	/* A new window: counted anew, once it sends. */
	assert_int_equal(observe(p, 2, 7, 4000, 600, &mv), 0);
	assert_int_equal(observe(p, 1, 640, 4000, 600, &mv), 1);
	assert_int_equal(mv.from, -1);
	assert_int_equal(mv.to, (int)fg_advise_bucket(10));
	/* Its count went back (evicted, made again): from zero. */
	assert_int_equal(observe(p, 1, 50, 5000, 600, &mv), 1);
	assert_int_equal(mv.to, (int)fg_advise_bucket(50));
	fg_peaks_free(p);
}

/* Counters that stopped (the datapath's 32-bit ones, at
 * FG_TOP_COUNT_MAX) give no rate: the source is counted as saturated,
 * once a window, not as a peak of 0. */
static void test_peaks_stuck(void **state)
{
	struct fg_peaks *p = fg_peaks_new();
	struct fg_src_key k = key(1, 0);
	struct fg_peak_move mv;

	(void)state;
	assert_non_null(p);
	assert_int_equal(fg_peaks_observe(p, &k, 100, false, 0, 300, &mv), 0);
	assert_int_equal(fg_peaks_end_pass(p), 0);
	assert_int_equal(
	    fg_peaks_observe(p, &k, FG_TOP_COUNT_MAX, true, 1000, 300, &mv), 1);
	assert_true(mv.saturated);
	assert_int_equal(mv.to, -1);
	assert_int_equal(fg_peaks_end_pass(p), 0);
	assert_int_equal(
	    fg_peaks_observe(p, &k, FG_TOP_COUNT_MAX, true, 2000, 300, &mv), 0);
	assert_int_equal(fg_peaks_end_pass(p), 0);
	/* the next window: once again */
	assert_int_equal(
	    fg_peaks_observe(p, &k, FG_TOP_COUNT_MAX, true, 3000, 600, &mv), 1);
	assert_true(mv.saturated);
	fg_peaks_free(p);
}

/* Many sources: the table grows, then forgets those gone. */
static void test_peaks_grow_and_forget(void **state)
{
	struct fg_peaks *p = fg_peaks_new();
	struct fg_peak_move mv;

	(void)state;
	for (__u32 i = 0; i < 20000; i++) {
		struct fg_src_key k = key((__u8)i, i);

		assert_true(fg_peaks_observe(p, &k, 1, false, 0, 300, &mv) >=
			    0);
	}
	assert_int_equal(fg_peaks_size(p), 20000);
	assert_int_equal(fg_peaks_end_pass(p), 0);
	for (__u32 i = 0; i < 10; i++) {
		struct fg_src_key k = key((__u8)i, i);

		assert_int_equal(
		    fg_peaks_observe(p, &k, 11, false, 1000, 300, &mv), 1);
		assert_int_equal(mv.to, (int)fg_advise_bucket(10));
	}
	assert_int_equal(fg_peaks_end_pass(p), 0);
	assert_int_equal(fg_peaks_size(p), 10);
	fg_peaks_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buckets),
	    cmocka_unit_test(test_percentiles),
	    cmocka_unit_test(test_round_up),
	    cmocka_unit_test(test_suggest_lab_mix),
	    cmocka_unit_test(test_suggest_no_outliers),
	    cmocka_unit_test(test_suggest_widest_gap),
	    cmocka_unit_test(test_suggest_empty),
	    cmocka_unit_test(test_suggest_floors),
	    cmocka_unit_test(test_suggest_never_inf),
	    cmocka_unit_test(test_dist_add_hist),
	    cmocka_unit_test(test_sources_floor_over_windows),
	    cmocka_unit_test(test_peaks),
	    cmocka_unit_test(test_peaks_stuck),
	    cmocka_unit_test(test_peaks_grow_and_forget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
