// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fg-bench-chain: what the chain slot costs on floodgate's pass path, with
 * BPF_PROG_TEST_RUN on one 64-byte UDP frame from a tracked source under
 * its limit, in ns/packet. Variants, each round running all of them in a
 * rotated order (the vCPU drifts between a normal and a slower phase:
 * pairs must be close in time):
 *   off      floodgate, nothing chained (fg_ctl.chain_active 0)
 *   empty    hand-off on, slot empty: the failed tail call
 *   chained  hand-off on, the stand-in program (tests/progs/chain_next)
 *            in the slot, returning XDP_PASS
 *   next     the stand-in alone, for reference
 * Reported: each variant's median and the median (min-max) of the
 * paired differences empty - off and chained - off. "next" includes the
 * test_run harness's own per-run cost, which "chained" pays only once.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chainslot.h"
#include "fixture.h"
#include "pkt.h"
#include "tests/chain_next.skel.h"

#define ROUNDS_MAX 64
#define REPEAT 200000

enum { OFF, EMPTY, CHAINED, NEXT, NVARIANTS };
static const char *const names[NVARIANTS] = {"off", "empty", "chained", "next"};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n, double *lo, double *hi)
{
	double s[ROUNDS_MAX];

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	*lo = s[0];
	*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void report(const char *what, const double *d, int n)
{
	double lo, hi, m = median(d, n, &lo, &hi);

	printf("%-52s %+6.1f ns (median of pairs; min %+.1f, max %+.1f)\n",
	       what, m, lo, hi);
}

static int run_prog(int fd, const struct pkt *p, double *ns)
{
	struct bpf_test_run_opts opts = {.sz = sizeof(opts),
					 .data_in = p->data,
					 .data_size_in = (__u32)p->len,
					 .repeat = REPEAT};

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	if (opts.retval != XDP_PASS) {
		fprintf(stderr, "fg-bench-chain: verdict %u, not XDP_PASS\n",
			opts.retval);
		return -EPROTO;
	}
	*ns = (double)opts.duration;
	return 0;
}

static int run_variant(struct fx *fx, int v, int next_fd, const struct pkt *p,
		       double *ns)
{
	char err[256];

	fx->maps.ctl_mem->chain_active = v != OFF;
	if (v == CHAINED && fg_chain_set(&fx->maps, next_fd, err, sizeof(err)))
		return -EINVAL;
	if (v == EMPTY && fg_chain_clear(&fx->maps))
		return -EINVAL;
	if (v == EMPTY)
		fx->maps.ctl_mem->chain_active = 1;
	return run_prog(v == NEXT ? next_fd : fx->prog_fd, p, ns);
}

int main(int argc, char **argv)
{
	static const struct pkt_spec spec = {.l3 = PKT_IPV4,
					     .l4 = IPPROTO_UDP,
					     .dport = 53,
					     .src = "198.51.100.10",
					     .frame_len = 64};
	int rounds = argc > 1 ? atoi(argv[1]) : 15, cpu = 0, rc, next_fd;
	double ns[NVARIANTS][ROUNDS_MAX], d_empty[ROUNDS_MAX],
	    d_chained[ROUNDS_MAX], lo, hi;
	struct chain_next *next;
	char err[256] = "";
	struct fg_settings s;
	static struct pkt p;
	const char *why;
	cpu_set_t set;
	struct fx fx;

	if (rounds < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "usage: fg-bench-chain [ROUNDS 1..%d]\n",
			ROUNDS_MAX);
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (fx_open(&fx, "production", false) || fx_reset(&fx)) {
		fprintf(stderr, "fg-bench-chain: %s\n", fx.errmsg);
		return 1;
	}
	/* A tracked source under its limit (the burst outlasts every run:
	 * test_run goes faster than the highest rate allowed). */
	fx_settings_init(&s);
	s.defaults[FG_DIM_PACKETS] =
	    (struct fg_dim_limit){{10000000, FX_NSEC_PER_SEC}, 1000000000};
	rc = fx_configure(&fx, &s, err, sizeof(err));
	next = chain_next__open_and_load();
	if (rc || !next || pkt_build(&spec, &p, &why)) {
		fprintf(stderr, "fg-bench-chain: setup failed: %s\n", err);
		return 1;
	}
	next_fd = bpf_program__fd(next->progs.chain_next);

	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < NVARIANTS; i++) {
			int v = (i + r) % NVARIANTS;

			rc = run_variant(&fx, v, next_fd, &p, &ns[v][r]);
			if (rc) {
				fprintf(stderr, "fg-bench-chain: %s: %s\n",
					names[v], strerror(-rc));
				return 1;
			}
		}
		d_empty[r] = ns[EMPTY][r] - ns[OFF][r];
		d_chained[r] = ns[CHAINED][r] - ns[OFF][r];
	}
	printf("# fg-bench-chain: %d rounds x %d runs, 64-byte UDP frame, "
	       "pass path (under_limit), CPU %d\n",
	       rounds, REPEAT, cpu);
	for (int v = 0; v < NVARIANTS; v++) {
		double m = median(ns[v], rounds, &lo, &hi);

		printf("%-8s %6.1f ns/packet (median; min %.1f, max %.1f)\n",
		       names[v], m, lo, hi);
	}
	report("empty - off (a failed tail call)", d_empty, rounds);
	report("chained - off (hand-off and the stand-in's own work)",
	       d_chained, rounds);
	fg_chain_clear(&fx.maps);
	chain_next__destroy(next);
	fx_close(&fx);
	return 0;
}
