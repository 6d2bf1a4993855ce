// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fg-bench-cost: floodgate's per-packet cost against baselines measured
 * in the same run, with BPF_PROG_TEST_RUN on 64-byte frames.
 *
 * Variants, each its own program and its own table of the same size:
 *   empty      bench_empty: the harness (test_run loop, program call)
 *   bare LRU   bench_lru: parse, LRU lookup, update in place / insert
 *   bare GCRA  bench_gcra: parse, LRU lookup, one GCRA check, store
 *   floodgate  the shipped object (build/floodgate.bpf.o through its
 *              skeleton), fg_sources sized with bpf_map__set_max_entries
 *              before load as the daemon does, configured with the
 *              benchmarks' realistic config (bench_config.c) through
 *              fg_compile / fg_publish (tests/bpf
 *              fixture).
 *   lists      (lists-* cases, only with --case: `make bench` runs them
 *              as a section of their own) floodgate with its lists
 *              emptied, then again with LIST_BIG deny entries in the
 *              trie: /128s inside the /64s the frames come from, so a
 *              lookup walks the trie down to the /64 before it misses.
 *   fleet      (fleet-* cases) floodgate again, its flood rule with a
 *              `fleet:` limit (each pass counted in fg_fleet_counts),
 *              then also with FLEET_OTHER_BLOCKS fleet blocks of other
 *              sources and fleet_block_active set (one fg_fleet_blocked
 *              lookup per packet, a miss).
 *
 * Hot source: test_run with `repeat` runs one frame many times.
 * Many sources: test_run runs bench_driver, which writes a new source
 * into the frame (the data persists between repeats) and tail calls the
 * variant, so one test_run covers `repeat` different sources; the
 * driver's own cost is measured as driver -> empty and subtracted.
 * Tables are prefilled from user space (bpf_map_update_batch) with the
 * sources the driver will draw, so "tracked" means present in the table.
 *
 * Each case runs `rounds` rounds; a round runs every variant once, in an
 * order rotated per round (the vCPU drifts between a normal and a ~2x
 * slower phase every 5-10 s: pairs must be close in time). Reported: the
 * median ns/packet per variant and the median (min-max) over rounds of
 * the paired ratios, on net costs (minus the empty variant of the same
 * round, the harness) and raw.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_config.h"
#include "config.h"
#include "fg_abi.h"
#include "fixture.h"
#include "pkt.h"
/* The skeletons name the ABI's structs: after fg_abi.h. */
#include "bench/bench_progs.skel.h"
#include "bench/bench_stages.skel.h"
#include "floodgate.skel.h"

#define MAX_VARIANTS 12
#define MAX_ROUNDS 64
#define NSEC 1000000000.0

struct variant {
	const char *name;
	int prog_fd;
	double ns[MAX_ROUNDS];
};

/* A ratio to report: variant num over variant den. */
struct target {
	int num, den;
	double max;	 /* target: ratio <= max; 0 = none */
	const char *why; /* what the target is */
};

struct opts {
	int rounds;
	int cpu;
	int quick;
	const char *only;
};

static struct opts o = {.rounds = 15, .cpu = 0};

static void die(const char *what, int err)
{
	fprintf(stderr, "fg-bench-cost: %s: %s\n", what, strerror(err));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / NSEC;
}

/* ns per packet of one test_run of `repeat` runs of bench_driver (which
 * tail calls the variant), timed by the driver from its first packet to
 * its last. Wall time around the syscall would add the XDP dispatcher
 * swap (~16 ms a call here); the kernel's own figure is whole ns. */
static double run_ns(struct bench_progs *bp, const struct pkt *p, __u32 repeat)
{
	struct bpf_test_run_opts t = {
	    .sz = sizeof(t),
	    .data_in = p->data,
	    .data_size_in = (__u32)p->len,
	    .repeat = repeat,
	};
	double ns;

	bp->bss->drv_first = bp->bss->drv_seq;
	bp->bss->drv_last = bp->bss->drv_seq + repeat - 1;
	bp->bss->drv_t0 = 0;
	bp->bss->drv_t1 = 0;
	if (bpf_prog_test_run_opts(bpf_program__fd(bp->progs.bench_driver), &t))
		die("BPF_PROG_TEST_RUN", errno);
	if (t.retval == XDP_ABORTED)
		die("a program returned XDP_ABORTED (driver, tail call)",
		    EINVAL);
	if (!bp->bss->drv_t0 || bp->bss->drv_t1 <= bp->bss->drv_t0)
		die("the driver did not time the run", EINVAL);
	ns = (double)(bp->bss->drv_t1 - bp->bss->drv_t0) / (repeat - 1);
	if (getenv("FG_BENCH_DEBUG"))
		fprintf(stderr, "kernel %u ns, driver %.2f ns\n", t.duration,
			ns);
	return ns;
}

static void set_target(struct bench_progs *bp, int prog_fd)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(bp->maps.bench_target), &zero,
				&prog_fd, BPF_ANY))
		die("bench_target", errno);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n, double *lo, double *hi)
{
	double s[MAX_ROUNDS] = {0};

	memcpy(s, v, sizeof(*v) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	if (lo)
		*lo = s[0];
	if (hi)
		*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* --- loading ---------------------------------------------------------- */

/* What fx_configure needs, for floodgate's maps in any object that
 * holds them (the shipped one, or bench_stages). */
static void fx_setup(struct fx *fx, struct bpf_object *obj,
		     const struct bench_config *bc)
{
	struct fg_settings s;
	char err[FG_ERR_MAX], *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	fx->label = "production";
	fx->ncpus = libbpf_num_possible_cpus();
	if (fg_compiled_init(&fx->compiled))
		die("calloc", ENOMEM);
	rc = fg_maps_from_object(obj, &fx->maps);
	if (rc)
		die("fg_maps_from_object", -rc);

	f = open_memstream(&text, &len);
	if (!f || bench_config_write(f, bc) || fclose(f))
		die("bench_config_write", ENOMEM);
	if (fg_config_load_string(text, len, "bench-config", &s, err,
				  sizeof(err))) {
		fprintf(stderr, "fg-bench-cost: config: %s\n", err);
		exit(1);
	}
	free(text);
	if (fx_configure(fx, &s, err, sizeof(err))) {
		fprintf(stderr, "fg-bench-cost: configure: %s\n", err);
		exit(1);
	}
	fg_config_free(&s);
}

/* fx_open with the table sized first, as floodgated's loader does. */
static void fg_open_knobs(struct fx *fx, __u32 max_sources,
			  const struct bench_config *bc, int vcache_off,
			  __u32 sources_flags)
{
	int rc;

	memset(fx, 0, sizeof(*fx));
	fg_maps_init(&fx->maps);
	fx->prog_fd = -1;
	fx->skel = floodgate_bpf__open();
	if (!fx->skel)
		die("floodgate_bpf__open", errno);
	rc = bpf_map__set_max_entries(fx->skel->maps.fg_sources, max_sources);
	if (rc)
		die("bpf_map__set_max_entries(fg_sources)", -rc);
	if (sources_flags)
		rc = bpf_map__set_map_flags(
		    fx->skel->maps.fg_sources,
		    bpf_map__map_flags(fx->skel->maps.fg_sources) |
			sources_flags);
	if (rc)
		die("bpf_map__set_map_flags(fg_sources)", -rc);
	/* The cache off: with one entry, its scratch slot (the entry past
	 * the cache) is out of range, and the program neither probes nor
	 * learns. */
	if (vcache_off)
		rc = bpf_map__set_max_entries(fx->skel->maps.fg_vcache, 1);
	if (rc)
		die("bpf_map__set_max_entries(fg_vcache)", -rc);
	rc = floodgate_bpf__load(fx->skel);
	if (rc)
		die("floodgate_bpf__load (root needed)", -rc);
	fx->prog_fd = bpf_program__fd(fx->skel->progs.floodgate_xdp);
	fx_setup(fx, fx->skel->obj, bc);
}

static void fg_open(struct fx *fx, __u32 max_sources,
		    const struct bench_config *bc)
{
	fg_open_knobs(fx, max_sources, bc, 0, 0);
}

/* The stage programs, configured as floodgate is; fx->skel stays NULL
 * (fx_close then only frees). */
static struct bench_stages *stages_open(struct fx *fx, __u32 entries,
					const struct bench_config *bc)
{
	struct bench_stages *st = bench_stages__open();
	int rc;

	memset(fx, 0, sizeof(*fx));
	fg_maps_init(&fx->maps);
	fx->prog_fd = -1;
	if (!st)
		die("bench_stages__open", errno);
	rc = bpf_map__set_max_entries(st->maps.fg_sources, entries);
	if (rc)
		die("bpf_map__set_max_entries", -rc);
	rc = bench_stages__load(st);
	if (rc)
		die("bench_stages__load", -rc);
	fx_setup(fx, st->obj, bc);
	return st;
}

static struct bench_progs *bp_open(__u32 entries)
{
	struct bench_progs *bp = bench_progs__open();
	int rc;

	if (!bp)
		die("bench_progs__open", errno);
	rc = bpf_map__set_max_entries(bp->maps.bench_lru_map, entries);
	if (!rc)
		rc = bpf_map__set_max_entries(bp->maps.bench_gcra_map, entries);
	if (!rc)
		rc = bpf_map__set_max_entries(bp->maps.bench_lru_fg_map,
					      entries);
	if (rc)
		die("bpf_map__set_max_entries", -rc);
	rc = bench_progs__load(bp);
	if (rc)
		die("bench_progs__load", -rc);
	return bp;
}

/* The rule the benchmark frames (UDP to BENCH_FLOOD_PORT) take. */
static const struct fg_rule *flood_rule(const struct fx *fx)
{
	__u32 slot =
	    fg_rule_match_slot(fx->compiled.cfg, fx->compiled.match,
			       FG_PCLASS_UDP, true, BENCH_FLOOD_PORT, 0, 0);

	return &fx->compiled.cfg->rules[slot];
}

/* --- frames ------------------------------------------------------------ */

enum frame_kind { F_IPV4, F_IPV6, F_VLAN, F_QINQ };

static void frame(struct pkt *p, enum frame_kind k)
{
	struct pkt_spec s = {
	    .l3 = k == F_IPV6 ? PKT_IPV6 : PKT_IPV4,
	    .l4 = IPPROTO_UDP,
	    .sport = 40000,
	    .dport = BENCH_FLOOD_PORT,
	    .frame_len = 64,
	};
	const char *why;

	if (k == F_VLAN || k == F_QINQ)
		s.vlan[0] = k == F_QINQ ? 0x88a8 : 0x8100;
	if (k == F_QINQ)
		s.vlan[1] = 0x8100;
	if (pkt_build(&s, p, &why)) {
		fprintf(stderr, "fg-bench-cost: pkt_build: %s\n", why);
		exit(1);
	}
}

/* The driver writes idx (network order) into bytes 4..7 of the IPv6
 * source: 2001:db8:XXXX:XXXX::/64 inside the documentation prefix. */
#define SRC_IDX_OFF 4

static void src_of(const struct pkt *p, __u32 idx, __u8 out[16])
{
	__u32 be = htonl(idx);

	memcpy(out, p->data + p->off[PKT_L_L3] + 8, 16);
	memcpy(out + SRC_IDX_OFF, &be, 4);
}

#define FILL_BATCH 8192

enum fill_kind {
	FILL_FG,   /* fg_src_key masked /64 + rule id, fg_src_state */
	FILL_BARE, /* 16-byte address, __u64 */
};

/* Puts the sources idx in [0, n) into a table, keyed as its program
 * keys them, with values that start a full burst (TAT 0). */
/* fg_ctl.lists_gen of the object being filled. */
static __u32 fill_lists_gen;

static __u32 lists_gen_of(const struct fg_maps *m)
{
	return m->ctl_mem ? m->ctl_mem->lists_gen : 0;
}

static void prefill(int fd, enum fill_kind kind, __u32 rule_id,
		    const struct pkt *p, __u32 n)
{
	static struct fg_src_key fk[FILL_BATCH];
	static struct fg_src_state fv[FILL_BATCH];
	static __u8 bk[FILL_BATCH][16];
	static __u64 bv[FILL_BATCH];
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, bo);

	memset(fv, 0, sizeof(fv));
	/* Steady state: known sources carry the current lists generation. */
	for (__u32 i = 0; i < FILL_BATCH; i++)
		fv[i].lists_gen = fill_lists_gen;
	memset(bv, 0, sizeof(bv));
	for (__u32 base = 0; base < n; base += FILL_BATCH) {
		__u32 cnt = n - base < FILL_BATCH ? n - base : FILL_BATCH;
		__u32 c = cnt;
		int rc;

		for (__u32 i = 0; i < cnt; i++) {
			src_of(p, base + i, bk[i]);
			memset(&fk[i], 0, sizeof(fk[i]));
			memcpy(fk[i].addr, bk[i], 8); /* /64 */
			fk[i].rule_id = rule_id;
		}
		if (kind == FILL_BARE)
			rc = bpf_map_update_batch(fd, bk, bv, &c, &bo);
		else
			rc = bpf_map_update_batch(fd, fk, fv, &c, &bo);
		if (rc)
			die("prefill (bpf_map_update_batch)", errno);
	}
}

/* --- one case ---------------------------------------------------------- */

struct bcase {
	const char *name;
	const char *title;
	const char *target_why;
	unsigned long rate; /* the flood rule's rate; 0 = 100/s */
	double target;	    /* floodgate / den, net, at most this */
	enum frame_kind frame;
	__u32 table;   /* max_entries of every table */
	__u32 tracked; /* prefilled sources; 0 = none (hot source) */
	__u32 repeat;
	int random;	   /* many sources: fmix32(seq) % tracked */
	int unique;	   /* many sources: a new idx every packet */
	int admission;	   /* floodgate with and without admission limit */
	int breakdown;	   /* floodgate's stages, bench_lru_fg */
	int fleet;	   /* floodgate with fleet, and with fleet blocks */
	int lists;	   /* floodgate with empty lists, and with LIST_BIG */
	int vcache;	   /* floodgate again, its verdict cache off */
	int one_dim;	   /* floodgate again, the flood rule on packets only */
	int same_entry;	   /* the bare LRU with floodgate's entry (the target's
			 * denominator) */
	int no_common_lru; /* floodgate (admission off) again, fg_sources
			    * with BPF_F_NO_COMMON_LRU */
	int block;	   /* floodgate with `block: 1s` on the flood rule,
			 * then without (over its limit: limited) */
	__u32 mask;	   /* unique: sources seq & mask (0: 0x0fffffff) */
	int target_den;	   /* variant index */
};

/* Variant indexes: the first four are in every case; the fifth is
 * floodgate without admission limit, in a breakdown bench_lru_pad, in a
 * fleet case floodgate with fleet (and the sixth with fleet blocks). */
enum { VI_EMPTY, VI_LRU, VI_GCRA, VI_FG, VI_FG2, VI_FG3 };

/* The lists cases' trie: one /128 (host ::ffff, which no frame uses)
 * in each /64 of the sources 0..LIST_BIG-1 (src_of). */
#define LIST_BIG 1000000

static void lists_fill(struct fx *fx, __u32 n)
{
	struct fg_cidr *deny = calloc(n ? n : 1, sizeof(*deny));
	int rc;

	if (!deny)
		die("calloc", ENOMEM);
	for (__u32 i = 0; i < n; i++) {
		__u32 be = htonl(i);
		__u8 *a = deny[i].addr;

		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		memcpy(a + SRC_IDX_OFF, &be, 4);
		a[14] = 0xff;
		a[15] = 0xff;
		deny[i].prefixlen = 128;
	}
	rc = fg_maps_sync_lists(&fx->maps, NULL, 0, deny, n);
	free(deny);
	if (rc)
		die("filling fg_lists", -rc);
}

/* Fleet blocks of sources the frames never come from, in
 * 2001:db8:ffff::/48 (the frames' sources stay below 2001:db8:fff0::). */
#define FLEET_OTHER_BLOCKS 10000

static void fleet_blocks_other(struct fx *fx, __u32 rule_id)
{
	struct fg_block b = {.until_ns = ~0ULL};
	__u8 addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff};

	for (__u32 i = 0; i < FLEET_OTHER_BLOCKS; i++) {
		addr[6] = (__u8)(i >> 8);
		addr[7] = (__u8)i;
		if (fx_fleet_block_put(fx, addr, rule_id, &b))
			die("fg_fleet_blocked", errno);
	}
	fx->maps.ctl_mem->fleet_block_active = 1;
}

static struct variant variant(const char *name, const struct bpf_program *prog)
{
	struct variant v = {.name = name};

	v.prog_fd = bpf_program__fd(prog);
	return v;
}

/* Median (min-max) over rounds of num/den, net of the empty variant. */
static double ratio(const struct variant *v, int num, int den, int rounds,
		    int net, double *lo, double *hi)
{
	double r[MAX_ROUNDS] = {0};

	for (int i = 0; i < rounds; i++) {
		double e = net ? v[VI_EMPTY].ns[i] : 0;

		r[i] = (v[num].ns[i] - e) / (v[den].ns[i] - e);
	}
	return median(r, rounds, lo, hi);
}

static void print_ratio(const struct variant *v, const struct target *t,
			int rounds)
{
	double lo, hi, lo2, hi2;
	double m = ratio(v, t->num, t->den, rounds, 1, &lo, &hi);
	double mr = ratio(v, t->num, t->den, rounds, 0, &lo2, &hi2);

	printf("  %s / %s: %.2fx (%.2f-%.2f), raw %.2fx (%.2f-%.2f)",
	       v[t->num].name, v[t->den].name, m, lo, hi, mr, lo2, hi2);
	if (t->max > 0)
		printf("; target <= %.1fx (%s): %s", t->max, t->why,
		       m <= t->max ? "met" : "NOT MET");
	printf("\n");
}

/* Stage deltas: what each step of floodgate adds, median over rounds of
 * the paired differences. */
static void print_stages(const struct variant *v, int first, int last,
			 int rounds)
{
	printf("  floodgate step by step (median of paired differences):\n");
	for (int i = first; i <= last; i++) {
		double d[MAX_ROUNDS] = {0}, lo, hi, m;
		int prev = i == first ? VI_EMPTY : i - 1;

		for (int r = 0; r < rounds; r++)
			d[r] = v[i].ns[r] - v[prev].ns[r];
		m = median(d, rounds, &lo, &hi);
		printf("    %-34s +%6.1f ns (%.1f to %.1f)\n", v[i].name, m, lo,
		       hi);
	}
}

/* FG_BENCH_DEBUG: what floodgate did with the packets. */
static void debug_counters(struct fx *fx)
{
	static struct fx_counters cn;
	__u64 ev[FG_TABLE_EVENTS];

	if (fx_read_counters(fx, &cn) || fx_table_stats(fx, ev))
		return;
	for (int i = 0; i < FG_STATS_ENTRIES; i++)
		if (cn.stats[i].packets)
			fprintf(stderr, "stats[%d/%d] %llu\n",
				i / FG_REASON_SLOTS, i % FG_REASON_SLOTS,
				(unsigned long long)cn.stats[i].packets);
	for (int i = 0; i < FG_TABLE_EVENTS; i++)
		fprintf(stderr, "table_event[%d] %llu\n", i,
			(unsigned long long)ev[i]);
	fprintf(stderr, "sources %ld\n", fx_sources(fx));
}

static void run_case(const struct bcase *c)
{
	struct bench_config bc = {.flood_rate = c->rate, .block = c->block};
	struct bench_stages *st = NULL;
	struct fx fx, fx2 = {0}, fx3 = {0}, fxs = {0};
	struct bench_progs *bp;
	struct variant v[MAX_VARIANTS];
	struct target t[8];
	struct pkt p;
	int nv = 0, nt = 0, rounds = o.rounds, st_first = 0;
	__u32 repeat = o.quick ? c->repeat / 8 : c->repeat, rule_id;
	double t0 = now_s();

	frame(&p, c->frame);
	fg_open(&fx, c->table, &bc);
	rule_id = flood_rule(&fx)->id;
	bp = bp_open(c->table);
	bp->bss->bench_rule_id = rule_id;
	/* The baseline limiter gets the flood rule's packet limit. */
	bp->bss->bench_limit = flood_rule(&fx)->limit[FG_DIM_PACKETS];

	v[nv++] = variant("empty XDP", bp->progs.bench_empty);
	v[nv++] = variant("bare LRU lookup+update", bp->progs.bench_lru);
	v[nv++] = variant("bare GCRA limiter", bp->progs.bench_gcra);
	v[nv++] = variant(c->admission ? "floodgate (admission on)"
			  : c->lists   ? "floodgate, empty lists"
			  : c->block   ? "floodgate, boxed (block: 1s)"
				       : "floodgate",
			  fx.skel->progs.floodgate_xdp);
	if (c->vcache) {
		fg_open_knobs(&fx2, c->table, &bc, 1, 0);
		v[nv++] = variant("floodgate, verdict cache off",
				  fx2.skel->progs.floodgate_xdp);
	}
	if (c->one_dim) {
		struct bench_config one = bc;

		one.packets_only = 1;
		fg_open(&fx2, c->table, &one);
		v[nv++] = variant("floodgate, packets limit only",
				  fx2.skel->progs.floodgate_xdp);
	}
	if (c->block) {
		struct bench_config limited = bc;

		limited.block = 0;
		fg_open(&fx2, c->table, &limited);
		v[nv++] = variant("floodgate, limited (no block)",
				  fx2.skel->progs.floodgate_xdp);
		fg_open_knobs(&fx3, c->table, &bc, 1, 0);
		v[nv++] = variant("floodgate, boxed, verdict cache off",
				  fx3.skel->progs.floodgate_xdp);
		v[nv++] = variant("bare blocklist (XDP-Firewall's shape)",
				  bp->progs.bench_blocklist);
	}
	if (c->lists) {
		lists_fill(&fx, 0);
		fg_open(&fx2, c->table, &bc);
		lists_fill(&fx2, LIST_BIG);
		v[nv++] = variant("floodgate, 1 000 000 list entries",
				  fx2.skel->progs.floodgate_xdp);
	}
	if (c->admission) {
		bc.no_admission = 1;
		fg_open(&fx2, c->table, &bc);
		v[nv++] = variant("floodgate (admission off)",
				  fx2.skel->progs.floodgate_xdp);
	}
	if (c->no_common_lru) {
		fg_open_knobs(&fx3, c->table, &bc, 0, BPF_F_NO_COMMON_LRU);
		v[nv++] =
		    variant("floodgate (admission off), per-CPU LRU lists",
			    fx3.skel->progs.floodgate_xdp);
	}
	if (c->same_entry)
		v[nv++] = variant("bare LRU, floodgate's entry size",
				  bp->progs.bench_lru_fg);
	if (c->fleet) {
		bc.fleet = 1;
		fg_open(&fx2, c->table, &bc);
		v[nv++] = variant("floodgate, rule with fleet",
				  fx2.skel->progs.floodgate_xdp);
		fg_open(&fx3, c->table, &bc);
		fleet_blocks_other(&fx3, rule_id);
		v[nv++] = variant("floodgate, fleet + 10k blocks",
				  fx3.skel->progs.floodgate_xdp);
		if (!flood_rule(&fx2)->fleet || flood_rule(&fx)->fleet ||
		    flood_rule(&fx2)->id != rule_id)
			die("the fleet config did not compile as meant",
			    EINVAL);
	}
	if (c->breakdown) {
		st = stages_open(&fxs, c->table, &bc);
		v[nv++] = variant("bare LRU + 512 ALU ops (no memory)",
				  bp->progs.bench_lru_pad);
		v[nv++] = variant("bare LRU, floodgate's entry size",
				  bp->progs.bench_lru_fg);
		st_first = nv;
		v[nv++] = variant("kill-switch, config, parse",
				  st->progs.stage_parse);
		v[nv++] = variant("+ rule, key, fg_sources lookup",
				  st->progs.stage_lookup);
		v[nv++] = variant("+ allow/deny (LPM unless known unlisted)",
				  st->progs.stage_list);
		v[nv++] = variant("+ limiter, counters = floodgate",
				  fx.skel->progs.floodgate_xdp);
	}

	if (c->tracked) {
		fill_lists_gen = lists_gen_of(&fx.maps);
		prefill(fx.maps.sources, FILL_FG, rule_id, &p, c->tracked);
		prefill(bpf_map__fd(bp->maps.bench_lru_map), FILL_BARE, 0, &p,
			c->tracked);
		prefill(bpf_map__fd(bp->maps.bench_gcra_map), FILL_BARE, 0, &p,
			c->tracked);
		if (c->same_entry || c->breakdown)
			prefill(bpf_map__fd(bp->maps.bench_lru_fg_map), FILL_FG,
				rule_id, &p, c->tracked);
		if (c->admission || c->fleet || c->lists) {
			fill_lists_gen = lists_gen_of(&fx2.maps);
			prefill(fx2.maps.sources, FILL_FG, rule_id, &p,
				c->tracked);
		}
		if (c->fleet || c->no_common_lru) {
			fill_lists_gen = lists_gen_of(&fx3.maps);
			prefill(fx3.maps.sources, FILL_FG, rule_id, &p,
				c->tracked);
		}
		if (st) {
			fill_lists_gen = lists_gen_of(&fxs.maps);
			prefill(fxs.maps.sources, FILL_FG, rule_id, &p,
				c->tracked);
		}
	}
	if (c->random || c->unique) {
		bp->bss->drv_write = 1;
		bp->bss->drv_off = (__u32)p.off[PKT_L_L3] + 8 + SRC_IDX_OFF;
		bp->bss->drv_mask = !c->unique ? ~0u
				    : c->mask  ? c->mask
					       : 0x0fffffffu;
		bp->bss->drv_mod = c->unique ? 0 : c->tracked;
		/* New sources: above every prefilled index (with a mask,
		 * none is prefilled). */
		bp->bss->drv_seq = c->unique && !c->mask ? 1u << 24 : 0;
	}

	t[nt++] = (struct target){VI_FG, VI_GCRA, 0, NULL};
	t[nt++] = (struct target){VI_FG, VI_LRU, 0, NULL};
	if (c->target > 0 && c->target_den > VI_GCRA)
		t[nt++] = (struct target){VI_FG, c->target_den, c->target,
					  c->target_why};
	else if (c->target > 0) {
		int k = c->target_den == VI_GCRA ? 0 : 1;

		t[k].max = c->target;
		t[k].why = c->target_why;
	}
	if (c->no_common_lru)
		t[nt++] = (struct target){VI_FG3, VI_FG2, 0, NULL};
	if (c->breakdown)
		t[nt++] = (struct target){VI_FG, VI_FG2, 0, NULL};
	if (c->vcache || c->one_dim)
		t[nt++] = (struct target){VI_FG, VI_FG2, 0, NULL};
	if (c->one_dim)
		t[nt++] = (struct target){VI_FG2, VI_GCRA, 0, NULL};
	if (c->block) {
		t[nt++] =
		    (struct target){VI_FG, VI_FG2, 0.8, "blocked vs limited"};
		t[nt++] = (struct target){VI_FG3, VI_FG2, 0, NULL};
		t[nt++] = (struct target){VI_FG, VI_FG3 + 1, 1.0,
					  "blocked vs a bare blocklist"};
	}
	if (c->lists)
		t[nt++] = (struct target){VI_FG2, VI_FG, 0, NULL};
	if (c->admission) {
		t[nt++] = (struct target){VI_FG2, VI_GCRA, 0, NULL};
		t[nt++] = (struct target){VI_FG2, VI_LRU, 0, NULL};
	}
	if (c->fleet) {
		t[nt++] = (struct target){VI_FG2, VI_FG, 0, NULL};
		t[nt++] = (struct target){VI_FG3, VI_FG, 0, NULL};
		t[nt++] = (struct target){VI_FG2, VI_GCRA, 0, NULL};
		t[nt++] = (struct target){VI_FG3, VI_GCRA, 0, NULL};
	}

	/* One untimed pass warms caches and JIT images. */
	for (int i = 0; i < nv; i++) {
		set_target(bp, v[i].prog_fd);
		run_ns(bp, &p, repeat / 4 + 2);
	}
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < nv; k++) {
			int i = (k + r) % nv;

			set_target(bp, v[i].prog_fd);
			v[i].ns[r] = run_ns(bp, &p, repeat);
		}
	}

	if (getenv("FG_BENCH_DEBUG")) {
		debug_counters(&fx);
		if (c->fleet) {
			debug_counters(&fx2);
			fprintf(stderr, "fleet counts: %ld keys\n",
				fx_fleet_counts_addr(&fx2, NULL));
			debug_counters(&fx3);
		}
	}
	printf("\ncost %s: %s\n", c->name, c->title);
	printf("  %u-entry tables, %s, %u packets a test_run, %d rounds "
	       "(%.1f s)\n",
	       c->table,
	       c->random || c->unique ? "another source each packet"
				      : "the same frame each packet",
	       repeat, rounds, now_s() - t0);
	printf("  %-36s %8s %8s  %s\n", "variant", "ns/pkt", "net ns",
	       "(net = minus empty XDP; min-max)");
	for (int i = 0; i < nv; i++) {
		double net[MAX_ROUNDS] = {0}, lo = 0, hi = 0, m;

		for (int r = 0; r < rounds; r++)
			net[r] = v[i].ns[r] - v[VI_EMPTY].ns[r];
		m = median(net, rounds, &lo, &hi);
		printf("  %-36s %8.1f", v[i].name,
		       median(v[i].ns, rounds, NULL, NULL));
		if (i)
			printf(" %8.1f  (%.1f-%.1f)", m, lo, hi);
		printf("\n");
	}
	printf("  ratios, net (median of the rounds' paired ratios, "
	       "min-max):\n");
	for (int i = 0; i < nt; i++)
		print_ratio(v, &t[i], rounds);
	if (st)
		print_stages(v, st_first, nv - 1, rounds);
	fflush(stdout);

	bench_progs__destroy(bp);
	fx_close(&fx);
	if (c->admission || c->fleet || c->lists || c->vcache || c->block ||
	    c->one_dim)
		fx_close(&fx2);
	if (c->fleet || c->block || c->no_common_lru)
		fx_close(&fx3);
	if (st) {
		fx_close(&fxs);
		bench_stages__destroy(st);
	}
}

static const struct bcase cases[] = {
    {.name = "hot-ipv4-drop",
     .title = "one hot IPv4 source over its limit (dropped); then with "
	      "the verdict cache off",
     .frame = F_IPV4,
     .table = 262144,
     .repeat = 1u << 20,
     .vcache = 1,
     .target = 1.5,
     .target_den = VI_GCRA,
     .target_why = "hot source vs the bare limiter"},
    {.name = "hot-ipv4-blocked",
     .title = "one hot IPv4 source in the penalty box (its rule with "
	      "block: 1s), against the same source merely over its limit",
     .frame = F_IPV4,
     .table = 262144,
     .repeat = 1u << 20,
     .block = 1},
    {.name = "hot-ipv4-pass",
     .title = "one hot IPv4 source under its limit (passed; the flood "
	      "rule at 10^8/s); then with its packets limit only",
     .frame = F_IPV4,
     .table = 262144,
     .rate = 10000000,
     .repeat = 1u << 20,
     .one_dim = 1,
     .target = 2.0,
     .target_den = VI_GCRA,
     .target_why = "passing source vs the bare limiter"},
    {.name = "hot-ipv6-drop",
     .title = "one hot IPv6 source over its limit (dropped)",
     .frame = F_IPV6,
     .table = 262144,
     .repeat = 1u << 20,
     .target = 1.5,
     .target_den = VI_GCRA,
     .target_why = "hot source vs the bare limiter"},
    {.name = "hot-vlan-drop",
     .title = "one hot IPv4 source in an 802.1Q tag (dropped)",
     .frame = F_VLAN,
     .table = 262144,
     .repeat = 1u << 20,
     .target = 1.5,
     .target_den = VI_GCRA,
     .target_why = "hot source vs the bare limiter"},
    {.name = "hot-qinq-drop",
     .title = "one hot IPv4 source in 802.1ad + 802.1Q tags (dropped)",
     .frame = F_QINQ,
     .table = 262144,
     .repeat = 1u << 20,
     .target = 1.5,
     .target_den = VI_GCRA,
     .target_why = "hot source vs the bare limiter"},
    {.name = "random-64k",
     .title = "65 536 tracked IPv6 sources in random order (each under "
	      "its limit: passes, commits)",
     .frame = F_IPV6,
     .table = 262144,
     .tracked = 65536,
     .random = 1,
     .repeat = 1u << 18},
    {.name = "random-1m",
     .title = "1 000 000 tracked IPv6 sources in random order (under "
	      "the limit); the bare LRU also with floodgate's entry "
	      "(20-byte key, 40-byte value)",
     .frame = F_IPV6,
     .table = 1048576,
     .tracked = 1000000,
     .random = 1,
     .repeat = 1u << 17,
     .same_entry = 1,
     .target = 1.2,
     .target_den = VI_FG2,
     .target_why = "1M tracked vs bare LRU lookup+update, same entry"},
    {.name = "new-full-1m",
     .title = "a new IPv6 source every packet into a full 1 048 576-entry "
	      "table",
     .frame = F_IPV6,
     .table = 1048576,
     .tracked = 1048576,
     .unique = 1,
     .repeat = 1u << 17,
     .admission = 1,
     .no_common_lru = 1},
    {.name = "fleet-hot-ipv4-pass",
     .title = "hot-ipv4-pass with fleet: the flood rule counts each pass "
	      "for the fleet; then also 10 000 fleet blocks of other sources",
     .frame = F_IPV4,
     .table = 262144,
     .rate = 10000000,
     .repeat = 1u << 20,
     .fleet = 1},
    {.name = "fleet-hot-ipv4-drop",
     .title = "hot-ipv4-drop with fleet: drops are not counted; the block "
	      "lookup comes first",
     .frame = F_IPV4,
     .table = 262144,
     .repeat = 1u << 20,
     .fleet = 1},
    {.name = "fleet-random-64k",
     .title = "random-64k with fleet: 65 536 sources passing, each "
	      "counted in its own fg_fleet_counts entry",
     .frame = F_IPV6,
     .table = 262144,
     .tracked = 65536,
     .random = 1,
     .repeat = 1u << 18,
     .fleet = 1},
    {.name = "lists-1m-known-ipv4",
     .title = "one hot IPv4 source under its limit, known: the lists "
	      "generation is unchanged, so no LPM lookup",
     .frame = F_IPV4,
     .table = 262144,
     .rate = 10000000,
     .repeat = 1u << 20,
     .lists = 1},
    {.name = "lists-1m-ipv6",
     .title = "65 536 tracked IPv6 sources in random order: keyed by /64, "
	      "so the LPM lookup runs every packet",
     .frame = F_IPV6,
     .table = 262144,
     .tracked = 65536,
     .random = 1,
     .repeat = 1u << 18,
     .lists = 1},
    {.name = "lists-1m-new-ipv6",
     .title = "a new IPv6 source every packet (524 288 /64s in turn "
	      "through a 262 144-entry table)",
     .frame = F_IPV6,
     .table = 262144,
     .unique = 1,
     .mask = 0x7ffff,
     .repeat = 1u << 17,
     .lists = 1},
    {.name = "breakdown-hot",
     .title = "where the time goes: hot IPv4 source, dropped",
     .frame = F_IPV4,
     .table = 262144,
     .repeat = 1u << 20,
     .breakdown = 1},
    {.name = "breakdown-pass",
     .title = "where the time goes: hot IPv4 source under its limit "
	      "(passed; the flood rule at 10^7/s)",
     .frame = F_IPV4,
     .table = 262144,
     .rate = 10000000,
     .repeat = 1u << 20,
     .breakdown = 1},
    {.name = "breakdown-1m",
     .title = "where the time goes: 1 000 000 tracked sources, random",
     .frame = F_IPV6,
     .table = 1048576,
     .tracked = 1000000,
     .random = 1,
     .repeat = 1u << 17,
     .breakdown = 1},
};

static void usage(void)
{
	fprintf(stderr,
		"usage: fg-bench-cost [--rounds N] [--cpu N] [--quick] "
		"[--case NAME]\n"
		"       fg-bench-cost --print-config [--flood-rate N] "
		"[--max-sources N] [--no-admission] [--list-entries N]\n"
		"cases:");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fprintf(stderr, " %s", cases[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"rounds", required_argument, NULL, 'r'},
	    {"cpu", required_argument, NULL, 'c'},
	    {"quick", no_argument, NULL, 'q'},
	    {"case", required_argument, NULL, 'k'},
	    {"print-config", no_argument, NULL, 'P'},
	    {"flood-rate", required_argument, NULL, 'f'},
	    {"max-sources", required_argument, NULL, 'm'},
	    {"no-admission", no_argument, NULL, 'n'},
	    {"list-entries", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	struct bench_config bc = {0};
	int ch, print = 0, ran = 0;
	cpu_set_t set;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'r':
			o.rounds = atoi(optarg);
			break;
		case 'c':
			o.cpu = atoi(optarg);
			break;
		case 'q':
			o.quick = 1;
			break;
		case 'k':
			o.only = optarg;
			break;
		case 'P':
			print = 1;
			break;
		case 'f':
			bc.flood_rate = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			bc.max_sources = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			bc.no_admission = 1;
			break;
		case 'l':
			bc.list_entries = strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.rounds < 3 || o.rounds > MAX_ROUNDS)
		usage();
	if (print)
		return bench_config_write(stdout, &bc) ? 1 : 0;

	CPU_ZERO(&set);
	CPU_SET(o.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
	printf("# fg-bench-cost: CPU %d, %d rounds%s; realistic config: "
	       "10 rules, %d list entries, packets+bytes limits\n",
	       o.cpu, o.rounds, o.quick ? " (quick)" : "", BENCH_LIST_ENTRIES);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The lists cases are a section of their own. */
		if (o.only ? !strstr(cases[i].name, o.only) : cases[i].lists)
			continue;
		run_case(&cases[i]);
		ran++;
	}
	if (!ran)
		usage();
	return 0;
}
