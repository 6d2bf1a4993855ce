// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The GCRA arithmetic (include/fg_gcra.h, the code the XDP program
 * compiles) with the limits fg_limit_compile() makes from a config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fg_gcra.h"
#include "ruleset.h"

#define MS 1000000ULL
#define S 1000000000ULL
#define H (3600 * S)
#define T0 (1000 * S) /* a clock well past zero, as on a real host */
#define TICK (4 * MS) /* bpf_ktime_get_coarse_ns() steps at HZ=250 */
#define SENTINEL 0xdeadbeefULL

static struct fg_limit compile(__u64 amount, __u64 per_ns, __u64 burst)
{
	struct fg_dim_limit d = {
	    .rate = {.amount = amount, .per_ns = per_ns},
	    .burst = burst,
	};
	struct fg_limit l;

	memset(&l, 0xa5, sizeof(l));
	fg_limit_compile(&d, &l);
	return l;
}

/* Offers `len`-unit packets back to back at `now` until one is refused;
 * returns how many passed. Refusals must not touch the TAT. */
static unsigned long flood(const struct fg_limit *l, __u64 *tat, __u64 now,
			   __u64 len, unsigned long max)
{
	__u64 cost = fg_gcra_cost(l, len);
	unsigned long n = 0;

	while (n < max) {
		__u64 next = SENTINEL;

		if (!fg_gcra_conforms(*tat, now, cost, l->tolerance_ns,
				      &next)) {
			assert_int_equal(next, SENTINEL);
			break;
		}
		*tat = next;
		n++;
	}
	return n;
}

/* Floods at every coarse-clock tick in [start, start + span]; returns
 * the units that passed. */
static __u64 simulate(const struct fg_limit *l, __u64 start, __u64 span,
		      __u64 tick, __u64 len)
{
	__u64 tat = 0, units = 0;

	for (__u64 now = start; now <= start + span; now += tick)
		units += flood(l, &tat, now, len, ~0UL) * len;
	return units;
}

static void test_compile_packets(void **state)
{
	struct fg_limit l = compile(100, S, 5);

	(void)state;
	/* 10 ms a packet, in 1/65536 ns */
	assert_int_equal(l.interval_fp, 10000000ULL << FG_FP_SHIFT);
	assert_int_equal(l.tolerance_ns, 50 * MS);
	assert_int_equal(fg_gcra_cost(&l, 1), 10 * MS);
	assert_int_equal(fg_gcra_cost(&l, 3), 30 * MS);

	l = compile(200, 60 * S, 400); /* 200/m: 300 ms each */
	assert_int_equal(l.interval_fp, 300000000ULL << FG_FP_SHIFT);
	assert_int_equal(l.tolerance_ns, 120 * S);
}

static void test_compile_unlimited(void **state)
{
	struct fg_limit l = compile(0, S, 1234);

	(void)state;
	assert_int_equal(l.interval_fp, 0);
	assert_int_equal(l.tolerance_ns, 0);
	/* cost 0 is how the datapath skips the dimension */
	assert_int_equal(fg_gcra_cost(&l, 1500), 0);
}

/*
 * A positive rate is a limit, whatever its size: the config refuses
 * rates beyond the datapath's rounding, and the compiler still never
 * turns one into a zero cost (which the datapath reads as "no limit"):
 * an instant's flood passes only its burst, not everything.
 */
static void test_compile_never_rounds_to_unlimited(void **state)
{
	static const __u64 amounts[] = {1000000001ULL, 60000000000ULL,
					UINT64_MAX};
	__u64 tat;

	(void)state;
	for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		struct fg_limit l = compile(amounts[i], S, 1000);

		assert_true(fg_gcra_cost(&l, 1) >= 1);
		tat = 0;
		assert_in_range(flood(&l, &tat, T0, 1, 1000000), 1, 1000);
	}
}

/* Nor a burst into a tolerance cut to 64 bits: 5124096 at 1/h is
 * 1.8447e19 ns, just over 2^64, and wrapped to 1526 s, under the cost of
 * one unit (3600 s): every packet was refused. It saturates instead. */
static void test_compile_never_wraps_tolerance(void **state)
{
	struct fg_limit l = compile(1, H, 5124096);
	__u64 tat = 0;

	(void)state;
	assert_true(l.tolerance_ns >= FG_BURST_NS_MAX);
	assert_int_equal(flood(&l, &tat, T0, 1, 10000000), l.tolerance_ns / H);
	l = compile(1, H, UINT64_MAX);
	assert_true(l.tolerance_ns >= FG_BURST_NS_MAX);
}

static void test_burst_then_rate(void **state)
{
	struct fg_limit l = compile(100, S, 5);
	__u64 tat = 0;

	(void)state;
	/* fresh key: exactly the burst, back to back */
	assert_int_equal(flood(&l, &tat, T0, 1, 100), 5);
	assert_int_equal(tat, T0 + 50 * MS);
	/* still nothing at the same instant */
	assert_int_equal(flood(&l, &tat, T0, 1, 100), 0);
	/* 9.999 ms later: not yet one packet's worth */
	assert_int_equal(flood(&l, &tat, T0 + 10 * MS - 1, 1, 100), 0);
	assert_int_equal(flood(&l, &tat, T0 + 10 * MS, 1, 100), 1);
	assert_int_equal(tat, T0 + 60 * MS);
	/* 50 ms after the first burst: 5 intervals have drained, 4 of which
	 * are still free (one was used at +10 ms) */
	assert_int_equal(flood(&l, &tat, T0 + 50 * MS, 1, 100), 4);
	assert_int_equal(tat, T0 + 100 * MS);
	/* 50 ms later again: exactly 5 */
	assert_int_equal(flood(&l, &tat, T0 + 100 * MS, 1, 100), 5);
	assert_int_equal(tat, T0 + 150 * MS);
	/* 25 ms: two and a half intervals, so 2 */
	assert_int_equal(flood(&l, &tat, T0 + 125 * MS, 1, 100), 2);
	assert_int_equal(tat, T0 + 170 * MS);
}

static void test_burst_then_50ms(void **state)
{
	struct fg_limit l = compile(100, S, 5);
	__u64 tat = 0;

	(void)state;
	assert_int_equal(flood(&l, &tat, T0, 1, 100), 5);
	assert_int_equal(flood(&l, &tat, T0 + 50 * MS, 1, 100), 5);
	assert_int_equal(tat, T0 + 100 * MS);
	assert_int_equal(flood(&l, &tat, T0 + 50 * MS, 1, 100), 0);
}

/* Idling fills the bucket up to the burst and no further. */
static void test_idle_caps_at_burst(void **state)
{
	struct fg_limit l = compile(100, S, 5);
	__u64 tat = 0;

	(void)state;
	assert_int_equal(flood(&l, &tat, T0, 1, 100), 5);
	assert_int_equal(flood(&l, &tat, T0 + H, 1, 100), 5);
	assert_int_equal(tat, T0 + H + 50 * MS);
	/* a light user never builds up credit either */
	tat = 0;
	for (int i = 0; i < 100; i++)
		assert_int_equal(flood(&l, &tat, T0 + i * S, 1, 1), 1);
	assert_int_equal(flood(&l, &tat, T0 + 100 * S, 1, 100), 5);
}

/* A refused packet changes nothing: refusing a flood is read-only. */
static void test_drop_is_read_only(void **state)
{
	struct fg_limit l = compile(100, S, 5);
	__u64 tat = T0 + 50 * MS, next = SENTINEL;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(fg_gcra_conforms(tat, T0, fg_gcra_cost(&l, 1),
						  l.tolerance_ns, &next),
				 0);
		assert_int_equal(next, SENTINEL);
	}
	/* and the bucket refills on schedule, as if nothing was offered */
	assert_int_equal(flood(&l, &tat, T0 + 10 * MS, 1, 100), 1);
	assert_int_equal(tat, T0 + 60 * MS);
}

static void test_bytes(void **state)
{
	/* 80 Mbit/s = 10e6 B/s: 100 ns a byte; burst 3000 B = 300 us */
	struct fg_limit l = compile(10000000, S, 3000);
	__u64 tat = 0;

	(void)state;
	assert_int_equal(l.interval_fp, 100ULL << FG_FP_SHIFT);
	assert_int_equal(l.tolerance_ns, 300000);
	assert_int_equal(fg_gcra_cost(&l, 1000), 100000);
	assert_int_equal(fg_gcra_cost(&l, 64), 6400);
	assert_int_equal(flood(&l, &tat, T0, 1000, 100), 3);
	assert_int_equal(tat, T0 + 300000);
	/* 100 us later: room for one more 1000-byte packet */
	assert_int_equal(flood(&l, &tat, T0 + 100000, 1000, 100), 1);
	/* a fresh key takes one burst-sized packet, once */
	tat = 0;
	assert_int_equal(flood(&l, &tat, T0, 3000, 100), 1);
	assert_int_equal(flood(&l, &tat, T0, 1, 100), 0);
}

static void test_packet_above_burst_never_passes(void **state)
{
	struct fg_limit l = compile(10000000, S, 3000);
	__u64 tat = 0;

	(void)state;
	assert_int_equal(flood(&l, &tat, T0, 3001, 100), 0);
	assert_int_equal(tat, 0);
	assert_int_equal(flood(&l, &tat, T0 + H, 3001, 100), 0);
	assert_int_equal(flood(&l, &tat, T0 + 1000 * H, 9000, 100), 0);
	assert_int_equal(tat, 0);
}

static void test_slow_rate_packets(void **state)
{
	/* 1/h, burst 3 */
	struct fg_limit l = compile(1, H, 3);
	__u64 tat = 0, n;

	(void)state;
	assert_int_equal(l.interval_fp, 235929600000000000ULL);
	assert_int_equal(l.tolerance_ns, 3 * H);
	assert_int_equal(fg_gcra_cost(&l, 1), H);
	assert_int_equal(flood(&l, &tat, T0, 1, 100), 3);
	assert_int_equal(flood(&l, &tat, T0 + H - 1, 1, 100), 0);
	assert_int_equal(flood(&l, &tat, T0 + H, 1, 100), 1);
	/* 10 h flooded at every coarse tick: rate * T + burst */
	n = simulate(&l, T0, 10 * H, TICK, 1);
	assert_in_range(n, 13 - 1, 13 + 1);
	assert_int_equal(n, 13);
}

static void test_long_run_100_per_s(void **state)
{
	struct fg_limit l = compile(100, S, 5);
	__u64 n = simulate(&l, T0, 10 * S, TICK, 1);

	(void)state;
	/* 100/s * 10 s + 5 */
	assert_in_range(n, 1005 - 1, 1005 + 1);
}

/*
 * The fastest byte rate the config takes, 1 GB/s = 8 Gbit/s: 1 ns a
 * byte. A frame's cost is floored to whole ns, so it is off by under 1 ns,
 * i.e. under one byte's worth; here it is exact.
 */
static void test_fast_rate_bytes(void **state)
{
	struct fg_limit l = compile(1000000000, S, 1000000000);
	const __u64 want = 10000000000ULL + 1000000000ULL;
	__u64 n;

	(void)state;
	assert_int_equal(l.interval_fp, 1ULL << FG_FP_SHIFT);
	assert_int_equal(l.tolerance_ns, S);
	assert_int_equal(fg_gcra_cost(&l, 60), 60);
	assert_int_equal(fg_gcra_cost(&l, 1500), 1500);
	assert_int_equal(fg_gcra_cost(&l, 9000), 9000);
	n = simulate(&l, T0, 10 * S, TICK, 1500);
	assert_in_range(n, want - 1500, want);
}

/*
 * Slow byte rates: fg_gcra_cost() multiplies len by interval_fp in 64
 * bits. At 10 B/h, interval_fp = 360 s << 16 = 2.36e16, and a 1500-byte
 * packet (3.5e19) wraps: it is charged 258 525 s instead of 540 000 s.
 * The config accepts such a rate (bytes: 10B/h, burst_bytes: 3000).
 */
static void test_slow_rate_bytes(void **state)
{
	struct fg_limit l = compile(10, H, 3000);
	__u64 tat = 0;

	(void)state;
	assert_int_equal(l.tolerance_ns, S * 360 * 3000);
	assert_int_equal(fg_gcra_cost(&l, 1), 360 * S);
	assert_int_equal(fg_gcra_cost(&l, 100), S * 360 * 100);
	/* burst 3000 B: two 1500-byte packets, then nothing */
	assert_int_equal(flood(&l, &tat, T0, 1500, 100), 2);
	assert_int_equal(fg_gcra_cost(&l, 1500), S * 360 * 1500);
}

/*
 * The coarse clock: every packet in a 4 ms step sees the same `now`. A
 * burst shorter than the step (80 Mbit/s with burst 3000 B is 300 us)
 * would let through one burst per step and lose the rest of the step's
 * allowance: 3000 B / 4 ms = 6 Mbit/s instead of 80. The rule compiler
 * raises such tolerances to FG_TICKS_MIN steps (fg_limit_floor); with
 * that, the long-run rate is exact and the burst is 2 steps' worth.
 */
static void test_coarse_clock_short_burst(void **state)
{
	struct fg_limit raw = compile(10000000, S, 3000);
	struct fg_limit l = raw;
	/* 10e6 B/s * 10 s + the raised burst (2 steps: 80 000 B) */
	const __u64 want = 100000000ULL + 80000;
	__u64 n;

	(void)state;
	/* Without the floor the steps cost most of the rate. */
	assert_true(simulate(&raw, T0, 10 * S, TICK, 1000) < want / 10);
	fg_limit_floor(&l, TICK);
	assert_int_equal(l.tolerance_ns, FG_TICKS_MIN * TICK);
	n = simulate(&l, T0, 10 * S, TICK, 1000);
	assert_in_range(n, want - 1000, want + 1000);
}

/* A burst of at least one step's worth is not biased by the steps. */
static void test_coarse_clock_long_burst(void **state)
{
	/* 80 Mbit/s, burst 40 000 B = exactly 4 ms */
	struct fg_limit l = compile(10000000, S, 40000);
	const __u64 want = 100000000ULL + 40000;
	__u64 n = simulate(&l, T0, 10 * S, TICK, 1000);

	(void)state;
	assert_in_range(n, want - 1000, want + 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compile_packets),
	    cmocka_unit_test(test_compile_unlimited),
	    cmocka_unit_test(test_compile_never_rounds_to_unlimited),
	    cmocka_unit_test(test_compile_never_wraps_tolerance),
	    cmocka_unit_test(test_burst_then_rate),
	    cmocka_unit_test(test_burst_then_50ms),
	    cmocka_unit_test(test_idle_caps_at_burst),
	    cmocka_unit_test(test_drop_is_read_only),
	    cmocka_unit_test(test_bytes),
	    cmocka_unit_test(test_packet_above_burst_never_passes),
	    cmocka_unit_test(test_slow_rate_packets),
	    cmocka_unit_test(test_long_run_100_per_s),
	    cmocka_unit_test(test_fast_rate_bytes),
	    cmocka_unit_test(test_slow_rate_bytes),
	    cmocka_unit_test(test_coarse_clock_short_burst),
	    cmocka_unit_test(test_coarse_clock_long_burst),
	};

	return cmocka_run_group_tests_name("gcra", tests, NULL, NULL);
}
