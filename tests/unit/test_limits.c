// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Every rate and burst the config loader accepts compiles to what it
 * says (config.h states the rounding): a property swept over the edges
 * of the accepted range, which is found by asking the loader itself
 * (binary search over documents), at every place a limit can be written
 * and with every period. The compiled limit is then run through the
 * datapath's own GCRA (fg_gcra.h):
 *   - a unit's cost is never more than its exact time, and under it by
 *     under 1 % (counts) or under one byte's worth a frame (bytes);
 *   - a fresh key passes the burst, and at most 1 % (one byte a frame)
 *     more;
 *   - after the burst, W units' worth of time lets W more through,
 *     within the same rounding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "fg_gcra.h"
#include "ruleset.h"

#define T0 (1000ULL * 1000000000ULL) /* a clock well past zero */
#define WINDOW_UNITS 1000	     /* the rate check's window, in units */

typedef unsigned __int128 u128;

/* One place a rate and its burst can be written. */
struct site {
	const char *name;
	/* a document: %s the rate, %llu the burst */
	const char *doc;
	bool bytes;
	__u64 burst_min, burst_key_max;
	/* the compiled limit the datapath reads for it */
	const struct fg_limit *(*pick)(const struct fg_config *cfg);
};

static const struct fg_limit *pick_default_packets(const struct fg_config *c)
{
	return &c->rules[FG_RULE_DEFAULT].limit[FG_DIM_PACKETS];
}

static const struct fg_limit *pick_default_bytes(const struct fg_config *c)
{
	return &c->rules[FG_RULE_DEFAULT].limit[FG_DIM_BYTES];
}

static const struct fg_limit *pick_rule_conns(const struct fg_config *c)
{
	return &c->rules[1].limit[FG_DIM_CONNECTIONS];
}

static const struct fg_limit *pick_agg_packets(const struct fg_config *c)
{
	return &c->rules[1].agg_limit[FG_DIM_PACKETS];
}

static const struct fg_limit *pick_agg_bytes(const struct fg_config *c)
{
	return &c->rules[1].agg_limit[FG_DIM_BYTES];
}

static const struct fg_limit *pick_admit(const struct fg_config *c)
{
	return &c->admit;
}

static const struct site sites[] = {
    {"limits.packets", "limits:\n  packets: %s\n  burst_packets: %llu\n", false,
     1, UINT64_MAX, pick_default_packets},
    {"limits.bytes", "limits:\n  bytes: %s\n  burst_bytes: %llu\n", true, 1518,
     UINT64_MAX, pick_default_bytes},
    {"rules[0].new_connections",
     "rules:\n  - name: r\n    protocol: tcp\n    new_connections: %s\n"
     "    burst_connections: %llu\n",
     false, 1, UINT64_MAX, pick_rule_conns},
    {"rules[0].aggregate.packets",
     "rules:\n  - name: r\n    packets: 1/s\n    aggregate:\n"
     "      ipv4_prefix: 24\n      packets: %s\n"
     "      burst_packets: %llu\n",
     false, 1, UINT64_MAX, pick_agg_packets},
    {"rules[0].aggregate.bytes",
     "rules:\n  - name: r\n    packets: 1/s\n    aggregate:\n"
     "      ipv4_prefix: 24\n      bytes: %s\n      burst_bytes: %llu\n",
     true, 1518, UINT64_MAX, pick_agg_bytes},
    {"table.new_sources",
     "table:\n  new_sources: %s\n  burst_new_sources: %llu\n", false, 1,
     UINT32_MAX, pick_admit},
};

static const char *const count_units[] = {"/s", "/m", "/h"};
static const char *const byte_units[] = {"B/s",	  "B/m",   "B/h",
					 "bit/s", "bit/m", "bit/h"};

static struct fg_rule_match *ports;
static struct fg_config *cfg;
static unsigned long long checked;

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A value in [lo, hi]. */
static __u64 rng_in(__u64 lo, __u64 hi)
{
	__u64 span = hi - lo;

	return span == UINT64_MAX ? rng() : lo + rng() % (span + 1);
}

/* Loads the site's document; on success the settings are in *s. */
static bool load(const struct site *site, const char *unit, __u64 amount,
		 __u64 burst, struct fg_settings *s)
{
	char rate[64], doc[512], err[FG_ERR_MAX];

	snprintf(rate, sizeof(rate), "%llu%s", (unsigned long long)amount,
		 unit);
	snprintf(doc, sizeof(doc), site->doc, rate, (unsigned long long)burst);
	return fg_config_load_string(doc, strlen(doc), "t.yaml", s, err,
				     sizeof(err)) == 0;
}

static bool accepts(const struct site *site, const char *unit, __u64 amount,
		    __u64 burst)
{
	struct fg_settings s;

	if (!load(site, unit, amount, burst, &s))
		return false;
	fg_config_free(&s);
	return true;
}

/* The largest value in [lo, hi] that `ok` takes, given that it takes lo
 * and that what it takes is a prefix of the range. */
static __u64 largest(__u64 lo, __u64 hi, const struct site *site,
		     const char *unit, __u64 fixed, bool vary_amount)
{
	while (lo < hi) {
		__u64 mid = lo + (hi - lo) / 2 + 1;
		bool ok = vary_amount ? accepts(site, unit, mid, fixed)
				      : accepts(site, unit, fixed, mid);

		if (ok)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* How many units of cost `c` a key passes at `now`, through the
 * datapath's own check (k units back to back pass iff one packet of
 * k times the cost would). */
static __u64 passes(const struct fg_limit *l, __u64 *tat, __u64 now, __u64 c)
{
	__u64 lo = 0, hi = (FG_BURST_NS_MAX * 2) / (c ? c : 1), next = 0;

	while (lo < hi) {
		__u64 mid = lo + (hi - lo) / 2 + 1;

		if (fg_gcra_conforms(*tat, now, mid * c, l->tolerance_ns,
				     &next))
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo)
		assert_true(
		    fg_gcra_conforms(*tat, now, lo * c, l->tolerance_ns, tat));
	return lo;
}

/*
 * The property for one accepted (rate, burst). `frame` is the units one
 * packet carries: 1 for counts, a frame length for bytes. The exact cost
 * of a packet is frame * per_ns / amount ns.
 */
static void check_compiled(const char *what, const struct fg_limit *l,
			   const struct fg_dim_limit *d, bool bytes,
			   __u64 frame)
{
	const __u64 amount = d->rate.amount, per = d->rate.per_ns;
	const u128 exact_x_amount = (u128)frame * per; /* cost * amount */
	const __u64 burst = d->burst / frame;	       /* in packets */
	const __u64 win = burst < WINDOW_UNITS ? burst : WINDOW_UNITS;
	__u64 c = fg_gcra_cost(l, frame), tat = 0, n, m;
	u128 over;

	checked++;
	if (!amount || !c) {
		fail_msg("%s frame %llu: rate %llu, cost %llu: no limit", what,
			 (unsigned long long)frame, (unsigned long long)amount,
			 (unsigned long long)c);
		return;
	}
	/* the cost: never above the exact time, never zero ("no limit"),
	 * and under it by under 1 % (counts) or one byte's worth (bytes) */
	if (c < 1 || (u128)c * amount > exact_x_amount ||
	    (bytes ? exact_x_amount - (u128)c * amount >= per
		   : exact_x_amount * 100 >= (u128)c * amount * 101))
		fail_msg("%s frame %llu: cost %llu ns for an exact "
			 "%llu * %llu / %llu ns",
			 what, (unsigned long long)frame, (unsigned long long)c,
			 (unsigned long long)frame, (unsigned long long)per,
			 (unsigned long long)amount);

	/* the burst: a fresh key passes all of it, and over it at most
	 * 1 % (counts) or a byte a frame (bytes) */
	n = passes(l, &tat, T0, c);
	over = (u128)n * frame > d->burst ? (u128)n * frame - d->burst : 0;
	if (n < burst || (bytes ? over > n : over * 100 > d->burst + 99))
		fail_msg("%s frame %llu: a fresh key passes %llu packets", what,
			 (unsigned long long)frame, (unsigned long long)n);

	/* the rate: `win` packets' time later (no more than the bucket
	 * holds), `win` more pass, within the same rounding (and one
	 * packet for what the burst left) */
	m = passes(l, &tat, T0 + (__u64)((u128)win * frame * per / amount), c);
	over = m > win ? m - win : 0;
	if (m + 1 < win ||
	    (bytes ? over * frame > m + frame : over * 100 > win + 100))
		fail_msg("%s frame %llu: %llu packets' time passes %llu", what,
			 (unsigned long long)frame, (unsigned long long)win,
			 (unsigned long long)m);
}

static const struct fg_dim_limit *spec_of(const struct site *site,
					  const struct fg_settings *s)
{
	static struct fg_dim_limit admit;

	if (site->pick == pick_default_packets)
		return &s->defaults[FG_DIM_PACKETS];
	if (site->pick == pick_default_bytes)
		return &s->defaults[FG_DIM_BYTES];
	if (site->pick == pick_rule_conns)
		return &s->rules[0].dim[FG_DIM_CONNECTIONS];
	if (site->pick == pick_agg_packets)
		return &s->rules[0].aggregate.dim[FG_DIM_PACKETS];
	if (site->pick == pick_agg_bytes)
		return &s->rules[0].aggregate.dim[FG_DIM_BYTES];
	admit = fg_admit_limit(s);
	return &admit;
}

static void check_one(const struct site *site, const char *unit, __u64 amount,
		      __u64 burst)
{
	static const __u64 frames[] = {60, 100, 1500, 9000};
	char what[160], err[FG_ERR_MAX];
	const struct fg_dim_limit *d;
	struct fg_settings s;

	snprintf(what, sizeof(what), "%s: %llu%s burst %llu", site->name,
		 (unsigned long long)amount, unit, (unsigned long long)burst);
	if (!load(site, unit, amount, burst, &s))
		fail_msg("%s: refused, though its edges were taken", what);
	assert_int_equal(
	    fg_ruleset_compile(&s, 0, NULL, cfg, ports, err, sizeof(err)), 0);
	d = spec_of(site, &s);
	assert_true(d->rate.amount > 0);
	assert_int_equal(d->burst, burst);
	if (!site->bytes) {
		check_compiled(what, site->pick(cfg), d, false, 1);
	} else {
		for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
			if (frames[i] <= burst)
				check_compiled(what, site->pick(cfg), d, true,
					       frames[i]);
	}
	fg_config_free(&s);
}

/* One rate: its burst range's edges, and some bursts between. */
static void sweep_bursts(const struct site *site, const char *unit,
			 __u64 amount)
{
	__u64 bmax = largest(site->burst_min, site->burst_key_max, site, unit,
			     amount, false);
	const __u64 bursts[] = {
	    site->burst_min,
	    site->burst_min + 1,
	    bmax / 2 > site->burst_min ? bmax / 2 : site->burst_min,
	    bmax - 1 > site->burst_min ? bmax - 1 : site->burst_min,
	    bmax,
	    rng_in(site->burst_min, bmax),
	    rng_in(site->burst_min, bmax),
	};

	if (!accepts(site, unit, amount, site->burst_min))
		fail_msg("%s: %llu%s with burst %llu refused", site->name,
			 (unsigned long long)amount, unit,
			 (unsigned long long)site->burst_min);
	for (size_t i = 0; i < sizeof(bursts) / sizeof(bursts[0]); i++)
		check_one(site, unit, amount, bursts[i]);
}

static void test_site(void **state)
{
	const struct site *site = *state;
	const char *const *units = site->bytes ? byte_units : count_units;
	size_t nunits = site->bytes ? 6 : 3;

	for (size_t u = 0; u < nunits; u++) {
		__u64 amax;

		if (!accepts(site, units[u], 1, site->burst_min))
			fail_msg("%s: 1%s refused", site->name, units[u]);
		amax = largest(1, UINT64_MAX, site, units[u], site->burst_min,
			       true);
		const __u64 amounts[] = {
		    1,
		    2,
		    3,
		    7,
		    amax / 3 + 1,
		    amax / 2 + 1,
		    amax - 1,
		    amax,
		    rng_in(1, amax),
		    rng_in(1, amax),
		};

		for (size_t a = 0; a < sizeof(amounts) / sizeof(amounts[0]);
		     a++)
			if (amounts[a] >= 1)
				sweep_bursts(site, units[u], amounts[a]);
	}
	print_message("# %s: %llu compiled limits checked\n", site->name,
		      checked);
	checked = 0;
}

/* The documented maxima are where the loader's edges are. */
static void test_documented_edges(void **state)
{
	(void)state;
	assert_true(accepts(&sites[0], "/s", 10000000, 1));
	assert_false(accepts(&sites[0], "/s", 10000001, 1));
	assert_true(accepts(&sites[0], "/h", 36000000000ULL, 1));
	assert_true(accepts(&sites[1], "B/s", 1000000000, 1518));
	assert_true(accepts(&sites[1], "bit/s", 8000000000ULL, 1518));
	assert_false(accepts(&sites[1], "B/s", 1000000001, 1518));
	assert_true(accepts(&sites[5], "/h", 1, 1281023));
	assert_false(accepts(&sites[5], "/h", 1, 1281024));
	assert_false(accepts(&sites[5], "/h", 1, 5124096));
}

static int setup(void **state)
{
	(void)state;
	ports = calloc(1, sizeof(*ports));
	cfg = calloc(1, sizeof(*cfg));
	return ports && cfg ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ports);
	free(cfg);
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[sizeof(sites) / sizeof(sites[0]) + 1];
	char names[sizeof(sites) / sizeof(sites[0])][64];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		snprintf(names[i], sizeof(names[i]), "accepted_compiles_%s",
			 sites[i].name);
		tests[n++] = (struct CMUnitTest){
		    .name = names[i],
		    .test_func = test_site,
		    .initial_state = (void *)&sites[i],
		};
	}
	tests[n++] = (struct CMUnitTest){
	    .name = "documented_edges",
	    .test_func = test_documented_edges,
	};
	return _cmocka_run_group_tests("limits", tests, n, setup, teardown);
}
