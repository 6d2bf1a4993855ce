// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What a host publishes to the fleet each period (user/lib/fleetpub.c):
 * threshold, carry, priming, re-created entries, baselines. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fleetpub.h"
#include "ruleset.h"

#define MS 1000000ULL
#define S 1000000000ULL
#define SYNC (250 * MS)
#define RULE_ID 0x1234u
#define OTHER_ID 0x9999u
/* 1000 packets/s: one packet is 1 ms of the limit's time */
#define PKT_NS 1e6
/* 1 MB/s: one byte is 1 us */
#define BYTE_NS 1e3

static void one_rule(struct fg_fleet_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->n = 1;
	r->rule[0].id = RULE_ID;
	r->rule[0].slot = 1;
	r->rule[0].interval_ns[FG_DIM_PACKETS] = PKT_NS;
	r->rule[0].tolerance_ns[FG_DIM_PACKETS] = 2000 * PKT_NS;
	r->rule[0].interval_ns[FG_DIM_BYTES] = BYTE_NS;
	r->rule[0].tolerance_ns[FG_DIM_BYTES] = 3e6 * BYTE_NS;
}

/* Source i of rule id: 2001:db8::i. */
static struct fg_src_key key_of(__u32 i, __u32 id)
{
	struct fg_src_key k = {.rule_id = id};

	k.addr[0] = htonl(0x20010db8);
	k.addr[2] = htonl(i >> 16);
	k.addr[3] = htonl(i & 0xffff);
	return k;
}

static struct fg_fleet_count pkts(__u64 n)
{
	return (struct fg_fleet_count){.packets = n};
}

struct fx {
	struct fg_fleet_rules rules;
	struct fg_fleet_table *t;
	struct fg_fleet_period p;
	struct fg_fleet_item out[8];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	one_rule(&f->rules);
	f->t = fg_fleet_table_new();
	if (!f->t) {
		free(f);
		return -1;
	}
	f->p = (struct fg_fleet_period){
	    .now_ns = 1000 * S, .sync_ns = SYNC, .hosts = 1, .publish = true};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fg_fleet_table_free(f->t);
	free(f);
	return 0;
}

/* One period of n sources, one sync later than the last. */
static long period(struct fx *f, const struct fg_src_key *k,
		   const struct fg_fleet_count *v, size_t n)
{
	long got;

	assert_true(n <= 8);
	memset(f->out, 0x5a, sizeof(f->out));
	got = fg_fleet_table_period(f->t, &f->rules, k, v, n, &f->p, f->out);
	f->p.now_ns += f->p.sync_ns;
	return got;
}

/* One source, packets only. */
static long period1(struct fx *f, __u64 packets)
{
	const struct fg_src_key k = key_of(1, RULE_ID);
	const struct fg_fleet_count v = pkts(packets);

	return period(f, &k, &v, 1);
}

static void assert_packets_charge(const struct fx *f, long i, double units)
{
	const struct fg_src_key k = key_of(1, RULE_ID);

	assert_memory_equal(&f->out[i].key, &k, sizeof(k));
	assert_true(f->out[i].charge_ns[FG_DIM_PACKETS] == units * PKT_NS);
	assert_true(f->out[i].tolerance_ns[FG_DIM_PACKETS] == 2000 * PKT_NS);
}

static void test_threshold_carry_delta(void **state)
{
	(void)state;
	/* 1/8 of a host's share of one period */
	assert_true(fg_fleet_threshold_ns(SYNC, 1) == 31.25e6);
	assert_true(fg_fleet_threshold_ns(SYNC, 0) == 31.25e6);
	assert_true(fg_fleet_threshold_ns(SYNC, 4) == 7.8125e6);
	assert_true(fg_fleet_threshold_ns(10 * MS, 100) == 12500.0);
	/* max(4 periods, 1 s) */
	assert_int_equal(fg_fleet_carry_ns(SYNC), S);
	assert_int_equal(fg_fleet_carry_ns(10 * MS), S);
	assert_int_equal(fg_fleet_carry_ns(251 * MS), 1004 * MS);
	assert_int_equal(fg_fleet_carry_ns(60 * S), 240 * S);
	/* deltas of cumulative counters, also near 2^64: no wrap */
	assert_int_equal(fg_fleet_delta(10, 3), 7);
	assert_int_equal(fg_fleet_delta(7, 7), 0);
	assert_int_equal(fg_fleet_delta(UINT64_MAX, UINT64_MAX - 5), 5);
	assert_int_equal(fg_fleet_delta(UINT64_MAX, 0), UINT64_MAX);
	/* lower than its base: the entry was made anew, all of it is new */
	assert_int_equal(fg_fleet_delta(3, 10), 3);
	assert_int_equal(fg_fleet_delta(0, UINT64_MAX), 0);
}

/* The first period only takes baselines: what was counted before the
 * daemon started is not charged. */
static void test_first_period_primes(void **state)
{
	struct fx *f = *state;

	assert_int_equal(period1(f, 1000000), 0);
	assert_int_equal(fg_fleet_table_size(f->t), 1);
	assert_int_equal(period1(f, 1000000), 0); /* nothing new */
	assert_int_equal(period1(f, 1000040), 1);
	assert_packets_charge(f, 0, 40);
	assert_int_equal(period1(f, 1000040), 0);
}

/* Under the threshold (31.25 packets at one host) a remainder is
 * carried, and published once it grows past it. */
static void test_threshold_and_carry(void **state)
{
	struct fx *f = *state;

	assert_int_equal(period1(f, 0), 0);
	assert_int_equal(period1(f, 31), 0); /* 31 ms < 31.25 ms */
	assert_int_equal(period1(f, 32), 1); /* carried: 31 + 1 */
	assert_packets_charge(f, 0, 32);
	assert_int_equal(period1(f, 64), 1); /* at 32 again */
	assert_packets_charge(f, 0, 32);
	/* more hosts, smaller shares: 8 packets is 1/8 of 1/4 */
	f->p.hosts = 4;
	assert_int_equal(period1(f, 71), 0);
	assert_int_equal(period1(f, 72), 1);
	assert_packets_charge(f, 0, 8);
}

/* A remainder is dropped once older than max(4 periods, 1 s): a
 * trickle never adds up to a charge. */
static void test_stale_remainder_dropped(void **state)
{
	struct fx *f = *state;

	assert_int_equal(period1(f, 0), 0);  /* t0: baseline 0 */
	assert_int_equal(period1(f, 10), 0); /* t0+250ms */
	assert_int_equal(period1(f, 20), 0); /* t0+500ms */
	assert_int_equal(period1(f, 30), 0); /* t0+750ms */
	/* t0+1s: 31 carried for 1 s: dropped, the baseline moves to 31 */
	assert_int_equal(period1(f, 31), 0);
	/* had the 31 been kept, 62 would be published here */
	assert_int_equal(period1(f, 62), 0);
	assert_int_equal(period1(f, 63), 1);
	assert_packets_charge(f, 0, 32);
}

/* Any dimension over the threshold publishes the source with every
 * dimension's charge. */
static void test_dimensions(void **state)
{
	struct fx *f = *state;
	const struct fg_src_key k = key_of(1, RULE_ID);
	struct fg_fleet_count v = {.packets = 0, .bytes = 0};

	assert_int_equal(period(f, &k, &v, 1), 0);
	/* 10 packets (10 ms) but 40 000 bytes (40 ms) */
	v = (struct fg_fleet_count){
	    .packets = 10, .bytes = 40000, .connections = 3};
	assert_int_equal(period(f, &k, &v, 1), 1);
	assert_true(f->out[0].charge_ns[FG_DIM_PACKETS] == 10 * PKT_NS);
	assert_true(f->out[0].charge_ns[FG_DIM_BYTES] == 40000 * BYTE_NS);
	/* no connection limit: counted, never charged */
	assert_true(f->out[0].charge_ns[FG_DIM_CONNECTIONS] == 0);
	assert_true(f->out[0].tolerance_ns[FG_DIM_BYTES] == 3e6 * BYTE_NS);
	assert_true(f->out[0].tolerance_ns[FG_DIM_CONNECTIONS] == 0);
	/* a limit-less dimension never publishes alone */
	v.connections = 1000000;
	assert_int_equal(period(f, &k, &v, 1), 0);
}

/* An entry the LRU dropped and the datapath made anew reads below its
 * baseline: all of its count is new. */
static void test_recreated_entry(void **state)
{
	struct fx *f = *state;

	assert_int_equal(period1(f, 5000), 0);
	assert_int_equal(period1(f, 50), 1);
	assert_packets_charge(f, 0, 50);
	assert_int_equal(period1(f, 90), 1); /* 50 is the baseline now */
	assert_packets_charge(f, 0, 40);
}

/* Counters near 2^64: differences, not sums. */
static void test_large_counters(void **state)
{
	struct fx *f = *state;

	assert_int_equal(period1(f, UINT64_MAX - 100), 0);
	assert_int_equal(period1(f, UINT64_MAX - 60), 1);
	assert_packets_charge(f, 0, 40);
	assert_int_equal(period1(f, UINT64_MAX), 1);
	assert_packets_charge(f, 0, 60);
}

/* While Redis is away nothing is published and nothing is kept for
 * later: the baselines move on. */
static void test_publish_false(void **state)
{
	struct fx *f = *state;

	assert_int_equal(period1(f, 0), 0);
	assert_int_equal(period1(f, 10), 0); /* carried */
	f->p.publish = false;
	assert_int_equal(period1(f, 500), 0);
	assert_int_equal(period1(f, 1000), 0);
	f->p.publish = true;
	assert_int_equal(period1(f, 1000), 0);
	assert_int_equal(period1(f, 1031), 0); /* only the new 31 */
	assert_int_equal(period1(f, 1040), 1);
	assert_packets_charge(f, 0, 40);
}

/* A key read twice in one pass (the map changed under the read) is
 * taken once, at its first value. */
static void test_duplicate_keys(void **state)
{
	struct fx *f = *state;
	const struct fg_src_key k[3] = {key_of(1, RULE_ID), key_of(1, RULE_ID),
					key_of(2, RULE_ID)};
	struct fg_fleet_count v[3] = {pkts(0), pkts(0), pkts(0)};

	assert_int_equal(period(f, k, v, 3), 0);
	assert_int_equal(fg_fleet_table_size(f->t), 2);
	v[0] = pkts(40);
	v[1] = pkts(900);
	v[2] = pkts(35);
	assert_int_equal(period(f, k, v, 3), 2);
	assert_int_equal(fg_fleet_table_size(f->t), 2);
	assert_packets_charge(f, 0, 40);
	assert_memory_equal(&f->out[1].key, &k[2], sizeof(k[2]));
	assert_true(f->out[1].charge_ns[FG_DIM_PACKETS] == 35 * PKT_NS);
	/* the baseline is the first value, 40 */
	v[0] = v[1] = pkts(80);
	v[2] = pkts(35);
	assert_int_equal(period(f, k, v, 3), 1);
	assert_packets_charge(f, 0, 40);
}

/* A rule without a fleet limit publishes nothing, and its baselines
 * move, so that a limit added by a reload charges only what is new. */
static void test_rule_without_fleet(void **state)
{
	struct fx *f = *state;
	const struct fg_src_key k[2] = {key_of(1, RULE_ID),
					key_of(1, OTHER_ID)};
	struct fg_fleet_count v[2] = {pkts(0), pkts(0)};

	assert_int_equal(period(f, k, v, 2), 0);
	v[1] = pkts(1000000);
	assert_int_equal(period(f, k, v, 2), 0);
	assert_int_equal(fg_fleet_table_size(f->t), 2);
	v[1] = pkts(2000000);
	assert_int_equal(period(f, k, v, 2), 0);

	/* the reload: OTHER_ID gets a fleet limit */
	f->rules.rule[1] = f->rules.rule[0];
	f->rules.rule[1].id = OTHER_ID;
	f->rules.rule[1].slot = 2;
	f->rules.n = 2;
	v[1] = pkts(2000045);
	assert_int_equal(period(f, k, v, 2), 1);
	assert_memory_equal(&f->out[0].key, &k[1], sizeof(k[1]));
	assert_true(f->out[0].charge_ns[FG_DIM_PACKETS] == 45 * PKT_NS);
}

/* A source gone from the map is forgotten: when it comes back, its
 * entry is new and all of its count is charged. */
static void test_gone_sources_forgotten(void **state)
{
	struct fx *f = *state;
	const struct fg_src_key k[2] = {key_of(1, RULE_ID), key_of(2, RULE_ID)};
	struct fg_fleet_count v[2] = {pkts(0), pkts(1000)};

	assert_int_equal(period(f, k, v, 2), 0);
	assert_int_equal(fg_fleet_table_size(f->t), 2);
	assert_int_equal(period(f, k, v, 1), 0);
	assert_int_equal(fg_fleet_table_size(f->t), 1);
	v[1] = pkts(1040);
	assert_int_equal(period(f, k, v, 2), 1);
	assert_int_equal(fg_fleet_table_size(f->t), 2);
	assert_memory_equal(&f->out[0].key, &k[1], sizeof(k[1]));
	assert_true(f->out[0].charge_ns[FG_DIM_PACKETS] == 1040 * PKT_NS);
	/* and nothing at all: the table empties */
	assert_int_equal(period(f, k, v, 0), 0);
	assert_int_equal(fg_fleet_table_size(f->t), 0);
}

/* The table grows with the map (past its first 1024 slots, and to
 * 100 000 sources) and keeps every baseline across the growth. */
static void run_growth(struct fx *f, size_t small, size_t big)
{
	struct fg_src_key *k = calloc(big, sizeof(*k));
	struct fg_fleet_count *v = calloc(big, sizeof(*v));
	struct fg_fleet_item *out = calloc(big, sizeof(*out));
	long got;

	assert_non_null(k);
	assert_non_null(v);
	assert_non_null(out);
	for (size_t i = 0; i < big; i++) {
		k[i] = key_of((__u32)i, RULE_ID);
		v[i] = pkts(1000 + i);
	}
	got = fg_fleet_table_period(f->t, &f->rules, k, v, small, &f->p, out);
	assert_int_equal(got, 0);
	assert_int_equal(fg_fleet_table_size(f->t), small);
	f->p.now_ns += SYNC;
	/* the old ones passed 40 more; the new ones are new: 1000 + i */
	for (size_t i = 0; i < small; i++)
		v[i].packets += 40;
	got = fg_fleet_table_period(f->t, &f->rules, k, v, big, &f->p, out);
	assert_int_equal(got, big);
	assert_int_equal(fg_fleet_table_size(f->t), big);
	for (size_t i = 0; i < big; i++) {
		double want = i < small ? 40 : (double)(1000 + i);

		assert_memory_equal(&out[i].key, &k[i], sizeof(k[i]));
		if (out[i].charge_ns[FG_DIM_PACKETS] != want * PKT_NS)
			fail_msg("source %zu: charge %f, want %f", i,
				 out[i].charge_ns[FG_DIM_PACKETS],
				 want * PKT_NS);
	}
	/* and after the growth, every baseline is where it was left */
	f->p.now_ns += SYNC;
	for (size_t i = 0; i < big; i++)
		v[i].packets += i % 2 ? 33 : 1;
	got = fg_fleet_table_period(f->t, &f->rules, k, v, big, &f->p, out);
	assert_int_equal(got, big / 2);
	for (long i = 0; i < got; i++) {
		size_t src = 2 * (size_t)i + 1;

		assert_memory_equal(&out[i].key, &k[src], sizeof(k[src]));
		assert_true(out[i].charge_ns[FG_DIM_PACKETS] == 33 * PKT_NS);
	}
	free(k);
	free(v);
	free(out);
}

static void test_growth_past_1024(void **state)
{
	run_growth(*state, 1000, 3000);
}

static void test_growth_100000(void **state)
{
	struct fx *f = *state;

	f->p.max_items = 100000; /* the table alone, not the cap */
	run_growth(f, 1024, 100000);
}

/* More qualifying sources than a period may publish: the largest
 * charges go first, and the rest carry whole to the next period. */
static void test_publish_cap(void **state)
{
	struct fx *f = *state;
	const size_t n = 20000, cap = FG_FLEET_PUBLISH_MAX;
	struct fg_src_key *k = calloc(n, sizeof(*k));
	struct fg_fleet_count *v = calloc(n, sizeof(*v));
	struct fg_fleet_item *out = calloc(n, sizeof(*out));
	char *seen = calloc(n, 1);
	long got;

	assert_non_null(k);
	assert_non_null(v);
	assert_non_null(out);
	assert_non_null(seen);
	for (size_t i = 0; i < n; i++)
		k[i] = key_of((__u32)i, RULE_ID);
	assert_int_equal(
	    fg_fleet_table_period(f->t, &f->rules, k, v, n, &f->p, out), 0);
	/* source i passed 100 + i packets: all over the threshold */
	for (size_t i = 0; i < n; i++)
		v[i].packets = 100 + i;
	f->p.now_ns += SYNC;
	got = fg_fleet_table_period(f->t, &f->rules, k, v, n, &f->p, out);
	assert_int_equal(got, cap);
	for (long i = 0; i < got; i++) {
		/* the largest first: sources n-1 down to n-cap */
		size_t src = n - 1 - (size_t)i;

		assert_memory_equal(&out[i].key, &k[src], sizeof(k[src]));
		assert_true(out[i].charge_ns[FG_DIM_PACKETS] ==
			    (double)(100 + src) * PKT_NS);
	}
	/* next period, nothing new passed: the ones left out carry their
	 * whole charge; the published ones have nothing left */
	f->p.now_ns += SYNC;
	got = fg_fleet_table_period(f->t, &f->rules, k, v, n, &f->p, out);
	assert_int_equal(got, n - cap);
	for (long i = 0; i < got; i++) {
		/* under the cap: in the map's order, not sorted */
		size_t src = ntohl(out[i].key.addr[3]) +
			     ((size_t)ntohl(out[i].key.addr[2]) << 16);

		assert_true(src < n - cap);
		assert_false(seen[src]);
		assert_true(out[i].charge_ns[FG_DIM_PACKETS] ==
			    (double)(100 + src) * PKT_NS);
		seen[src] = 1;
	}
	for (size_t i = 0; i < n - cap; i++)
		assert_true(seen[i]);
	free(k);
	free(v);
	free(out);
	free(seen);
}

/* The rules as the arithmetic sees them; tolerances at least two sync
 * periods' worth. */
static void test_rules_build(void **state)
{
	struct fg_settings s;
	struct fg_fleet_rules r;
	const struct fg_fleet_rule *fr;
	/* the slots the compiler gave (kept by name: not config order) */
	const __u8 slots[] = {3, 1, 2};

	(void)state;
	memset(&s, 0, sizeof(s));
	s.fleet.sync_ns = SYNC;
	s.nrules = 3;
	snprintf(s.rules[0].name, sizeof(s.rules[0].name), "local");
	s.rules[0].dim[FG_DIM_PACKETS] = (struct fg_dim_limit){{10, S}, 10};
	snprintf(s.rules[1].name, sizeof(s.rules[1].name), "http");
	s.rules[1].has_fleet = true;
	/* 1000/s with a burst of 100: 100 ms, under the 500 ms floor */
	s.rules[1].fleet[FG_DIM_PACKETS] =
	    (struct fg_dim_limit){{1000, S}, 100};
	/* 1 MB/s with 3 MB: 3 s, above it */
	s.rules[1].fleet[FG_DIM_BYTES] =
	    (struct fg_dim_limit){{1000000, S}, 3000000};
	snprintf(s.rules[2].name, sizeof(s.rules[2].name), "ssh");
	s.rules[2].has_fleet = true;
	s.rules[2].fleet[FG_DIM_CONNECTIONS] =
	    (struct fg_dim_limit){{6, 60 * S}, 12};

	fg_fleet_rules_build(&s, slots, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.rule[0].id, fg_rule_id("http"));
	assert_int_equal(r.rule[0].slot, 1);
	assert_true(r.rule[0].interval_ns[FG_DIM_PACKETS] == 1e6);
	assert_true(r.rule[0].tolerance_ns[FG_DIM_PACKETS] == 2.0 * SYNC);
	assert_true(r.rule[0].interval_ns[FG_DIM_BYTES] == 1e3);
	assert_true(r.rule[0].tolerance_ns[FG_DIM_BYTES] == 3e9);
	assert_true(r.rule[0].interval_ns[FG_DIM_CONNECTIONS] == 0);
	assert_true(r.rule[0].tolerance_ns[FG_DIM_CONNECTIONS] == 0);
	assert_int_equal(r.rule[1].id, fg_rule_id("ssh"));
	assert_int_equal(r.rule[1].slot, 2);
	assert_true(r.rule[1].interval_ns[FG_DIM_CONNECTIONS] == 10e9);
	assert_true(r.rule[1].tolerance_ns[FG_DIM_CONNECTIONS] == 120e9);
	assert_true(r.rule[1].interval_ns[FG_DIM_PACKETS] == 0);

	fr = fg_fleet_rule_find(&r, fg_rule_id("ssh"));
	assert_ptr_equal(fr, &r.rule[1]);
	assert_null(fg_fleet_rule_find(&r, fg_rule_id("local")));

	/* a slower sync raises the floor */
	s.fleet.sync_ns = 2 * S;
	fg_fleet_rules_build(&s, slots, &r);
	assert_true(r.rule[0].tolerance_ns[FG_DIM_PACKETS] == 4e9);
	assert_true(r.rule[0].tolerance_ns[FG_DIM_BYTES] == 4e9);
	assert_true(r.rule[1].tolerance_ns[FG_DIM_CONNECTIONS] == 120e9);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threshold_carry_delta),
	    T(test_first_period_primes),
	    T(test_threshold_and_carry),
	    T(test_stale_remainder_dropped),
	    T(test_dimensions),
	    T(test_recreated_entry),
	    T(test_large_counters),
	    T(test_publish_false),
	    T(test_duplicate_keys),
	    T(test_rule_without_fleet),
	    T(test_gone_sources_forgotten),
	    T(test_growth_past_1024),
	    T(test_growth_100000),
	    T(test_publish_cap),
	    cmocka_unit_test(test_rules_build),
	};

	return cmocka_run_group_tests_name("fleetpub", tests, NULL, NULL);
}
