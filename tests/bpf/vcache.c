// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "vcache.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boxexpiry.h"
#include "fixture.h"
#include "floodgate.skel.h"
#include "pkt.h"

#define FAIL(fmt, ...)                                     \
	do {                                               \
		print_error("# " fmt "\n", ##__VA_ARGS__); \
		fail();                                    \
	} while (0)

#define SRC "198.51.100.10"
#define DENIED "198.51.100.66"

static const struct pkt_spec web = {
    .l3 = PKT_IPV4, .l4 = IPPROTO_TCP, .dport = 80, .src = SRC};
static const struct pkt_spec from_denied = {
    .l3 = PKT_IPV4, .l4 = IPPROTO_TCP, .dport = 80, .src = DENIED};

/* Packets 2 a second, burst 2, for every source; rule "web" (TCP 80)
 * the same with `block` (block_s 0: none); DENIED deny-listed. */
static void setup(struct fx *fx, struct fg_settings *s, struct fg_cidr *deny,
		  unsigned int block_s, __u64 burst)
{
	char err[256] = "";
	int rc;

	if (fx->err)
		FAIL("%s", fx->errmsg);
	rc = fx_reset(fx);
	if (rc)
		FAIL("resetting maps: %s", strerror(-rc));
	fx_settings_init(s);
	s->defaults[FG_DIM_PACKETS] =
	    (struct fg_dim_limit){{2, FX_NSEC_PER_SEC}, burst};
	s->nrules = 1;
	snprintf(s->rules[0].name, sizeof(s->rules[0].name), "web");
	s->rules[0].protocol = FG_PROTO_TCP;
	s->rules[0].nports = 1;
	s->rules[0].ports[0].first = 80;
	s->rules[0].ports[0].last = 80;
	s->rules[0].dim[FG_DIM_PACKETS] = s->defaults[FG_DIM_PACKETS];
	s->rules[0].block_ns = block_s * FX_NSEC_PER_SEC;
	if (fx_cidr(DENIED, deny))
		FAIL("bad CIDR");
	s->deny = deny;
	s->ndeny = 1;
	rc = fx_configure(fx, s, err, sizeof(err));
	if (rc)
		FAIL("configuring: %s", err);
}

static void run(struct fx *fx, const struct pkt_spec *spec, __u32 want,
		const char *what)
{
	static struct pkt p;
	struct fx_run r = {.repeat = 1};
	const char *why = NULL;
	int rc;

	if (pkt_build(spec, &p, &why))
		FAIL("%s: bad packet: %s", what, why);
	rc = fx_run(fx, p.data, p.len, &r);
	if (rc)
		FAIL("%s: BPF_PROG_TEST_RUN: %s", what, strerror(-rc));
	if (r.retval != want)
		FAIL("%s: verdict %s, expected %s", what, fx_xdp_name(r.retval),
		     fx_xdp_name(want));
}

/* The cache entry (on any CPU: test_run may move) for an IPv4 source on
 * TCP port 80; returns whether there is one. */
static int cached(struct fx *fx, const char *addr, struct fg_vcache_entry *out)
{
	int fd = bpf_map__fd(fx->skel->maps.fg_vcache);
	struct fg_vcache_entry *v = calloc((size_t)fx->ncpus, sizeof(*v));
	__u32 a4, ncmp;
	/* dport 80, FG_PCLASS_TCP, has a port: fg_vcache_port_key */
	__u32 port_key = (80u << 16) + ((__u32)FG_PCLASS_TCP << 8) + 1u;
	int found = 0;

	if (!v || inet_pton(AF_INET, addr, &a4) != 1) {
		free(v);
		FAIL("no memory or bad address");
		return 0;
	}
	for (__u32 i = 0; i < FG_VCACHE_SLOTS && !found; i++) {
		if (bpf_map_lookup_elem(fd, &i, v))
			FAIL("reading fg_vcache: %s", strerror(errno));
		for (int c = 0; c < fx->ncpus && !found; c++) {
			ncmp =
			    v[c].addr[3] == a4 && v[c].addr[2] == htonl(0xffff);
			/* Only entries the program would trust. */
			ncmp =
			    ncmp &&
			    v[c].lists_gen == fx->maps.ctl_mem->lists_gen &&
			    v[c].verdict_gen == fx->maps.ctl_mem->verdict_gen;
			if (ncmp && v[c].port_key == port_key &&
			    v[c].until_ns) {
				*out = v[c];
				found = 1;
			}
		}
	}
	free(v);
	return found;
}

static __u64 drops(struct fx *fx, __u32 reason)
{
	struct fx_counters c;

	if (fx_read_counters(fx, &c))
		FAIL("reading counters");
	return c.stats[FG_ACTION_DROP * FG_REASON_SLOTS + reason].packets;
}

/* Drops counted under any rule. */
static __u64 rule_drops(struct fx *fx)
{
	struct fx_counters c;
	__u64 n = 0;

	if (fx_read_counters(fx, &c))
		FAIL("reading counters");
	for (__u32 slot = 0; slot < FG_RULE_SLOTS; slot++)
		n += c.rules[slot * FG_RULE_ACTIONS + FG_ACTION_DROP].packets;
	return n;
}

/* The source spends its burst of 2, and its next packet is dropped. */
static void go_over(struct fx *fx, const char *what)
{
	run(fx, &web, XDP_PASS, "burst 1");
	run(fx, &web, XDP_PASS, "burst 2");
	run(fx, &web, XDP_DROP, what);
}

/* Over its packet rate, a source is dropped until exactly its next
 * token (the first packet at that time passes); while it lasts, the
 * cache answers: a source whose table entry was lost (evicted) is still
 * dropped, and each drop is counted as the full path counts it. */
void vcache_test_rate_exact(void **state)
{
	struct fx *fx = *state;
	struct fg_settings s;
	struct fg_cidr deny;
	struct fg_vcache_entry e;
	__u64 now;

	setup(fx, &s, &deny, 0, 2);
	go_over(fx, "over");
	now = fx_clock_now(fx);
	if (!cached(fx, SRC, &e))
		FAIL("no cache entry after the drop");
	if (e.reason != FG_REASON_RATE_PACKETS)
		FAIL("cache entry: reason %u", e.reason);
	/* Two passes at t moved the TAT to t + 1 s; the tolerance is one
	 * interval (burst 2): the next token is due at t + 0.5 s. */
	if (e.until_ns != now + FX_NSEC_PER_SEC / 2)
		FAIL("cached until %llu ns after now, expected 500 ms",
		     (unsigned long long)(e.until_ns - now));
	fx_clock_advance(fx, FX_NSEC_PER_SEC / 2 - 1);
	run(fx, &web, XDP_DROP, "1 ns before the token");
	fx_clock_advance(fx, 1);
	run(fx, &web, XDP_PASS, "at the token");
	run(fx, &web, XDP_DROP, "over again");
	if (drops(fx, FG_REASON_RATE_PACKETS) != 3 || rule_drops(fx) != 3)
		FAIL("drop/rate_packets %llu, under rules %llu, expected 3",
		     (unsigned long long)drops(fx, FG_REASON_RATE_PACKETS),
		     (unsigned long long)rule_drops(fx));

	/* The entry is gone from the table as if evicted (nothing told
	 * the program): the full path would admit it afresh, the cache
	 * still holds the drop it knows. */
	if (fx_sources(fx) != 1)
		FAIL("expected 1 tracked source");
	{
		struct fg_src_key k, next;

		if (bpf_map_get_next_key(fx->maps.sources, NULL, &next))
			FAIL("no source key");
		k = next;
		if (bpf_map_delete_elem(fx->maps.sources, &k))
			FAIL("deleting the source: %s", strerror(errno));
	}
	run(fx, &web, XDP_DROP, "evicted, cached");
	if (drops(fx, FG_REASON_RATE_PACKETS) != 4)
		FAIL("drop/rate_packets %llu, expected 4",
		     (unsigned long long)drops(fx, FG_REASON_RATE_PACKETS));
}

/* A boxed source is dropped from the cache until its box ends, and no
 * longer once it is let out (`floodgate unblock`). */
void vcache_test_unblock(void **state)
{
	struct fx *fx = *state;
	struct fg_settings s;
	struct fg_cidr deny;
	struct fg_vcache_entry e;
	struct fg_src_key k;
	__u64 now;

	setup(fx, &s, &deny, 10, 2);
	go_over(fx, "over: boxed");
	now = fx_clock_now(fx);
	if (!cached(fx, SRC, &e) || e.reason != FG_REASON_BLOCKED ||
	    e.until_ns != now + 10 * FX_NSEC_PER_SEC)
		FAIL("expected a cached box of 10 s");
	fx_clock_advance(fx, 2 * FX_NSEC_PER_SEC);
	run(fx, &web, XDP_DROP, "boxed, 2 s later");
	/* The boxing packet counts under the rule; the boxed one, as the
	 * full path counts it, under none. */
	if (drops(fx, FG_REASON_BLOCKED) != 1 || rule_drops(fx) != 1)
		FAIL("drop/blocked %llu, under rules %llu, expected 1 and 1",
		     (unsigned long long)drops(fx, FG_REASON_BLOCKED),
		     (unsigned long long)rule_drops(fx));
	if (bpf_map_get_next_key(fx->maps.blocked, NULL, &k))
		FAIL("nothing in the box");
	if (fg_blocked_del(&fx->maps, &k))
		FAIL("unblocking");
	run(fx, &web, XDP_PASS, "let out of the box");
}

/* A deny-listed source's drop is cached until the lists change. */
void vcache_test_list_change(void **state)
{
	struct fx *fx = *state;
	struct fg_settings s;
	struct fg_cidr deny;
	struct fg_vcache_entry e;
	int rc;

	setup(fx, &s, &deny, 0, 2);
	run(fx, &from_denied, XDP_DROP, "denied");
	if (!cached(fx, DENIED, &e) || e.reason != FG_REASON_DENY_LIST)
		FAIL("expected a cached deny");
	for (int i = 0; i < 3; i++)
		run(fx, &from_denied, XDP_DROP, "denied, cached");
	if (drops(fx, FG_REASON_DENY_LIST) != 4)
		FAIL("drop/deny_list %llu, expected 4",
		     (unsigned long long)drops(fx, FG_REASON_DENY_LIST));
	rc = fg_list_del(&fx->maps, &deny);
	if (rc)
		FAIL("removing the deny entry: %s", strerror(-rc));
	run(fx, &from_denied, XDP_PASS, "no longer listed");
}

/* A reload that raises the limit ends a cached drop at once. */
void vcache_test_reload(void **state)
{
	struct fx *fx = *state;
	struct fg_settings s;
	struct fg_cidr deny;
	struct fg_vcache_entry e;
	char err[256] = "";

	setup(fx, &s, &deny, 0, 2);
	go_over(fx, "over");
	if (!cached(fx, SRC, &e))
		FAIL("no cache entry after the drop");
	s.rules[0].dim[FG_DIM_PACKETS].burst = 100;
	if (fx_configure(fx, &s, err, sizeof(err)))
		FAIL("configuring: %s", err);
	run(fx, &web, XDP_PASS, "under burst 100 after the reload");
}

/* In dry-run nothing is cached: over-limit packets pass as dry_run. */
void vcache_test_dry_run(void **state)
{
	struct fx *fx = *state;
	struct fg_settings s;
	struct fg_cidr deny;
	struct fg_vcache_entry e;

	setup(fx, &s, &deny, 0, 2);
	fx->maps.ctl_mem->dry_run = 1;
	for (int i = 0; i < 5; i++)
		run(fx, &web, XDP_PASS, "dry-run");
	if (cached(fx, SRC, &e))
		FAIL("a drop was cached in dry-run");
	fx->maps.ctl_mem->dry_run = 0;
	run(fx, &web, XDP_DROP, "enforcing again");
}

/* Config A (1 packet an hour) and config B (unlimited), each written to
 * its slot; B, committed last, is live. */
static void configs_a_b(struct fx *fx, __u32 *slot_a, __u32 *slot_b)
{
	struct fg_settings s;
	struct fg_cidr deny;
	char err[256] = "";

	setup(fx, &s, &deny, 0, 1);
	s.defaults[FG_DIM_PACKETS].rate =
	    (struct fg_rate){1, 3600 * FX_NSEC_PER_SEC};
	s.rules[0].dim[FG_DIM_PACKETS] = s.defaults[FG_DIM_PACKETS];
	if (fx_configure(fx, &s, err, sizeof(err)))
		FAIL("configuring A: %s", err);
	*slot_a = fx->maps.ctl_mem->cfg_slot;
	s.defaults[FG_DIM_PACKETS] = (struct fg_dim_limit){0};
	s.rules[0].dim[FG_DIM_PACKETS] = s.defaults[FG_DIM_PACKETS];
	if (fx_configure(fx, &s, err, sizeof(err)))
		FAIL("configuring B: %s", err);
	*slot_b = fx->maps.ctl_mem->cfg_slot;
}

/*
 * A commit that lands while a packet is on its way: the packet read the
 * config slot under A (1 an hour), then B (unlimited) went live and the
 * verdict generation moved. Its drop was decided under A and must not
 * stand for B's packets: with the generations read after the slot it was
 * cached under B's generation, and B dropped the source until A's next
 * token, an hour later.
 */
void vcache_test_commit_straddle(void **state)
{
	struct fx *fx = *state;
	struct fg_vcache_entry e;
	__u32 slot_a, slot_b;

	configs_a_b(fx, &slot_a, &slot_b);
	/* B is staged in its slot; A is live again, as before B's commit. */
	fx->maps.ctl_mem->cfg_slot = slot_a;
	run(fx, &web, XDP_PASS, "A: burst 1");

	fx->skel->bss->fg_test_commit_pending = 1;
	run(fx, &web, XDP_DROP, "A: over, B committed meanwhile");
	if (fx->skel->bss->fg_test_commit_pending ||
	    fx->maps.ctl_mem->cfg_slot != slot_b)
		FAIL("the test hook did not commit B");
	if (cached(fx, SRC, &e))
		FAIL("A's drop is cached under B's generation (reason %u)",
		     e.reason);
	for (int i = 0; i < 3; i++)
		run(fx, &web, XDP_PASS, "B: unlimited");
	if (drops(fx, FG_REASON_RATE_PACKETS) != 1)
		FAIL("drop/rate_packets %llu, expected 1 (A's)",
		     (unsigned long long)drops(fx, FG_REASON_RATE_PACKETS));
}

/* A drop cached under one config slot does not answer under the other,
 * even with the same generations: what a packet sees on a CPU that
 * loads the new generation before the old slot. */
void vcache_test_slot_in_entry(void **state)
{
	struct fx *fx = *state;
	struct fg_vcache_entry e;
	__u32 slot_a, slot_b;

	configs_a_b(fx, &slot_a, &slot_b);
	/* A live under B's generation: its drop is cached with that. */
	fx->maps.ctl_mem->cfg_slot = slot_a;
	run(fx, &web, XDP_PASS, "A: burst 1");
	run(fx, &web, XDP_DROP, "A: over");
	if (!cached(fx, SRC, &e) || e.cfg_slot != slot_a)
		FAIL("expected A's drop cached under slot %u", slot_a);
	fx->maps.ctl_mem->cfg_slot = slot_b;
	for (int i = 0; i < 3; i++)
		run(fx, &web, XDP_PASS, "B, same generation: unlimited");
}

/* Passes counted as reason. */
static __u64 passes(struct fx *fx, __u32 reason)
{
	struct fx_counters c;

	if (fx_read_counters(fx, &c))
		FAIL("reading counters");
	return c.stats[FG_ACTION_PASS * FG_REASON_SLOTS + reason].packets;
}

/* A boxed source's cached drop does not hold in dry-run, global or its
 * rule's (`floodgate mode dry-run --rule web`, which rewrites the live
 * config and bumps the verdict generation): it passes as dry_run. */
void vcache_test_box_dry_run(void **state)
{
	struct fx *fx = *state;
	struct fg_settings s;
	struct fg_cidr deny;
	struct fg_vcache_entry e;
	struct fg_config *cfg = calloc(1, sizeof(*cfg));
	__u32 live;

	if (!cfg) {
		FAIL("no memory");
		return;
	}
	setup(fx, &s, &deny, 10, 2);
	go_over(fx, "over: boxed");
	if (!cached(fx, SRC, &e) || e.reason != FG_REASON_BLOCKED)
		FAIL("expected a cached box");
	fx->maps.ctl_mem->dry_run = 1;
	run(fx, &web, XDP_PASS, "boxed, dry-run");
	fx->maps.ctl_mem->dry_run = 0;
	run(fx, &web, XDP_DROP, "boxed, enforcing again");

	live = fx->maps.ctl_mem->cfg_slot;
	if (bpf_map_lookup_elem(fx->maps.cfg, &live, cfg))
		FAIL("reading the live config: %s", strerror(errno));
	cfg->rules[1].dry_run = 1; /* web */
	if (bpf_map_update_elem(fx->maps.cfg, &live, cfg, BPF_ANY))
		FAIL("writing the live config: %s", strerror(errno));
	fg_maps_verdicts_changed(&fx->maps);
	run(fx, &web, XDP_PASS, "boxed, web in dry-run");
	run(fx, &web, XDP_PASS, "boxed, web in dry-run, again");
	free(cfg);
	if (passes(fx, FG_REASON_DRY_RUN) != 3 ||
	    drops(fx, FG_REASON_BLOCKED) != 1)
		FAIL("pass/dry_run %llu, drop/blocked %llu; expected 3 and 1",
		     (unsigned long long)passes(fx, FG_REASON_DRY_RUN),
		     (unsigned long long)drops(fx, FG_REASON_BLOCKED));
}

/* The daemon's box expiry removes only boxes whose time is up, whose
 * cached drops ended by their own time: the verdict generation stays
 * (every CPU's cache stays warm). Only a box let out early bumps it. */
void vcache_test_box_expiry(void **state)
{
	struct fx *fx = *state;
	struct fg_settings s;
	struct fg_cidr deny;
	struct fg_block old = {0};
	struct fg_src_key k;
	__u8 addr[16] = {[10] = 0xff, [11] = 0xff, 198, 51, 100};
	long live = -1;
	__u32 gen;

	setup(fx, &s, &deny, 10, 2);
	go_over(fx, "over: boxed");
	/* Boxes over long ago, beside the live one. */
	old.until_ns = fx_clock_now(fx) - FX_NSEC_PER_SEC;
	for (int i = 0; i < 5; i++) {
		addr[15] = (__u8)(100 + i);
		if (fx_blocked_put(fx, addr, FG_RULE_ID_ANY, &old))
			FAIL("putting an old box");
	}
	gen = fx->maps.ctl_mem->verdict_gen;
	if (fg_box_expire(&fx->maps, fx_clock_now(fx), &live) != 5 || live != 1)
		FAIL("expiry: expected 5 old boxes gone, 1 live (%ld)", live);
	fx_clock_advance(fx, 10 * FX_NSEC_PER_SEC - 1);
	run(fx, &web, XDP_DROP, "boxed, 1 ns before its end");
	fx_clock_advance(fx, 1);
	if (fg_box_expire(&fx->maps, fx_clock_now(fx), &live) != 1 || live)
		FAIL("expiry: expected the box gone, none live (%ld)", live);
	if (fx->maps.ctl_mem->verdict_gen != gen)
		FAIL("expiring %s bumped the verdict generation %u times",
		     "6 boxes", fx->maps.ctl_mem->verdict_gen - gen);
	run(fx, &web, XDP_PASS, "the box over");

	/* Let out early: the cached drop must end now. */
	fx_clock_advance(fx, FX_NSEC_PER_SEC);
	go_over(fx, "over again: boxed");
	if (bpf_map_get_next_key(fx->maps.blocked, NULL, &k))
		FAIL("nothing in the box");
	if (fg_blocked_del(&fx->maps, &k) ||
	    fx->maps.ctl_mem->verdict_gen != gen + 1)
		FAIL("unblocking: the verdict generation moved by %u, not 1",
		     fx->maps.ctl_mem->verdict_gen - gen);
}
