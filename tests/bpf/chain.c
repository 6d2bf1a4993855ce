// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "chain.h"

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
#include <string.h>
#include <cmocka.h>

#include "chainslot.h"
#include "fixture.h"
#include "floodgate.skel.h"
#include "pkt.h"
#include "tests/chain_next.skel.h"

#define FAIL(fmt, ...)                                     \
	do {                                               \
		print_error("# " fmt "\n", ##__VA_ARGS__); \
		fail();                                    \
	} while (0)

/* What the stand-in returns: an action floodgate never does, so a
 * verdict tells a hand-off from floodgate's own pass. */
#define HANDED XDP_REDIRECT

struct chain_fx {
	struct fx *fx;
	struct chain_next *next;
	struct fg_cidr allow[1], deny[1];
	struct fg_settings s;
};

/* Two packets an hour from each source, so the third one is dropped;
 * 203.0.113.0/24 allow-listed, 198.51.100.66 denied. */
static void setup(struct chain_fx *c, struct fx *fx, bool fill_slot,
		  bool active)
{
	char err[256] = "";
	int rc;

	memset(c, 0, sizeof(*c));
	c->fx = fx;
	if (fx->err)
		FAIL("%s", fx->errmsg);
	rc = fx_reset(fx);
	if (rc)
		FAIL("resetting maps: %s", strerror(-rc));
	fx_settings_init(&c->s);
	c->s.defaults[FG_DIM_PACKETS] =
	    (struct fg_dim_limit){{1, 3600ULL * FX_NSEC_PER_SEC}, 2};
	if (fx_cidr("203.0.113.0/24", &c->allow[0]) ||
	    fx_cidr("198.51.100.66", &c->deny[0]))
		FAIL("bad CIDR");
	c->s.allow = c->allow;
	c->s.nallow = 1;
	c->s.deny = c->deny;
	c->s.ndeny = 1;
	rc = fx_configure(fx, &c->s, err, sizeof(err));
	if (rc)
		FAIL("configuring: %s", err);

	c->next = chain_next__open();
	if (!c->next)
		FAIL("opening the chained program: %s", strerror(errno));
	c->next->rodata->chain_verdict = HANDED;
	rc = chain_next__load(c->next);
	if (rc)
		FAIL("loading the chained program: %s", strerror(-rc));
	if (fill_slot) {
		rc = fg_chain_set(&fx->maps,
				  bpf_program__fd(c->next->progs.chain_next),
				  err, sizeof(err));
		if (rc)
			FAIL("filling the slot: %s", err);
	}
	fx->maps.ctl_mem->chain_active = active;
}

static void teardown(struct chain_fx *c)
{
	fg_chain_clear(&c->fx->maps);
	chain_next__destroy(c->next);
}

/* Runs one frame, checks the verdict; returns its length. */
static size_t run(struct chain_fx *c, const struct pkt_spec *spec, __u32 want,
		  const char *what)
{
	static struct pkt p;
	struct fx_run r = {.repeat = 1};
	const char *why = NULL;
	int rc;

	if (pkt_build(spec, &p, &why))
		FAIL("%s: bad packet: %s", what, why);
	rc = fx_run(c->fx, p.data, p.len, &r);
	if (rc)
		FAIL("%s: BPF_PROG_TEST_RUN: %s", what, strerror(-rc));
	if (r.retval != want)
		FAIL("%s: verdict %s, expected %s", what, fx_xdp_name(r.retval),
		     fx_xdp_name(want));
	return p.len;
}

static __u64 next_total(struct chain_fx *c, __u32 idx)
{
	__u64 n = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(c->next->maps.chain_total), &idx,
				&n) &&
	    errno != ENOENT)
		FAIL("reading chain_total: %s", strerror(errno));
	return n;
}

static __u64 next_source(struct chain_fx *c, const char *addr)
{
	__u32 key;
	__u64 n = 0;

	if (inet_pton(AF_INET, addr, &key) != 1)
		FAIL("bad address %s", addr);
	if (bpf_map_lookup_elem(bpf_map__fd(c->next->maps.chain_sources), &key,
				&n) &&
	    errno != ENOENT)
		FAIL("reading chain_sources: %s", strerror(errno));
	return n;
}

static void check_handed(struct chain_fx *c, __u64 packets, __u64 bytes)
{
	struct fg_chain_state st;
	int rc = fg_chain_read(&c->fx->maps, &st);

	if (rc)
		FAIL("fg_chain_read: %s", strerror(-rc));
	if (st.handed.packets != packets || st.handed.bytes != bytes)
		FAIL("fg_chain_stats: %llu packets, %llu bytes; expected "
		     "%llu, %llu",
		     (unsigned long long)st.handed.packets,
		     (unsigned long long)st.handed.bytes,
		     (unsigned long long)packets, (unsigned long long)bytes);
	if (next_total(c, 0) != packets)
		FAIL("the chained program saw %llu packets, expected %llu",
		     (unsigned long long)next_total(c, 0),
		     (unsigned long long)packets);
}

static const struct pkt_spec from_polite = {
    .l3 = PKT_IPV4, .l4 = IPPROTO_TCP, .dport = 80, .src = "198.51.100.10"};

/* Under the limit: handed on; over it: dropped and never handed on. */
void chain_test_passes_only(void **state)
{
	struct chain_fx c;
	struct fx_counters cnt;
	size_t len = 0;

	setup(&c, *state, true, true);
	len += run(&c, &from_polite, HANDED, "first packet");
	len += run(&c, &from_polite, HANDED, "second packet");
	for (int i = 0; i < 3; i++)
		run(&c, &from_polite, XDP_DROP, "over the limit");
	check_handed(&c, 2, len);
	if (next_source(&c, "198.51.100.10") != 2)
		FAIL("the chained program saw %llu of the source's packets, "
		     "expected 2",
		     (unsigned long long)next_source(&c, "198.51.100.10"));
	if (fx_read_counters(c.fx, &cnt))
		FAIL("reading counters");
	if (cnt.stats[FG_ACTION_PASS * FG_REASON_SLOTS + FG_REASON_UNDER_LIMIT]
		.packets != 2)
		FAIL("pass/under_limit is not 2");
	teardown(&c);
}

/* Every reason floodgate passes for hands on; the deny list does not. */
void chain_test_every_pass_reason(void **state)
{
	static const struct pkt_spec allowed = {
	    .l3 = PKT_IPV4, .l4 = IPPROTO_UDP, .src = "203.0.113.5"};
	static const struct pkt_spec denied = {
	    .l3 = PKT_IPV4, .l4 = IPPROTO_UDP, .src = "198.51.100.66"};
	static const struct pkt_spec arp = {.l3 = PKT_ARP};
	struct chain_fx c;
	size_t len = 0;

	setup(&c, *state, true, true);
	for (int i = 0; i < 3; i++)
		len += run(&c, &allowed, HANDED, "allow-listed");
	run(&c, &denied, XDP_DROP, "deny-listed");
	len += run(&c, &arp, HANDED, "not IP");
	len += run(&c, &from_polite, HANDED, "under the limit");
	len += run(&c, &from_polite, HANDED, "under the limit");
	run(&c, &from_polite, XDP_DROP, "over the limit");
	c.fx->maps.ctl_mem->dry_run = 1;
	len += run(&c, &from_polite, HANDED, "over the limit, dry-run");
	c.fx->maps.ctl_mem->dry_run = 0;
	c.fx->maps.ctl_mem->enabled = 0;
	len += run(&c, &from_polite, HANDED, "over the limit, disabled");
	c.fx->maps.ctl_mem->enabled = 1;
	run(&c, &from_polite, XDP_DROP, "over the limit, enabled again");
	check_handed(&c, 8, len);
	if (next_total(&c, 1) != 1)
		FAIL("the chained program saw %llu non-IPv4 packets, "
		     "expected 1 (the ARP)",
		     (unsigned long long)next_total(&c, 1));
	if (next_source(&c, "198.51.100.66"))
		FAIL("a deny-listed packet was handed on");
	teardown(&c);
}

/* Switched on with nothing in the slot: a plain pass, nothing counted
 * (the failed tail call takes its count back). */
void chain_test_empty_slot(void **state)
{
	struct chain_fx c;

	setup(&c, *state, false, true);
	run(&c, &from_polite, XDP_PASS, "empty slot");
	run(&c, &from_polite, XDP_PASS, "empty slot");
	run(&c, &from_polite, XDP_DROP, "over the limit");
	check_handed(&c, 0, 0);
	if (fg_chain_reconcile(&c.fx->maps) != 1 ||
	    c.fx->maps.ctl_mem->chain_active)
		FAIL("reconcile left the hand-off on with an empty slot");
	teardown(&c);
}

/* A program in the slot but the hand-off off (`floodgate next clear`
 * turns it off first): a plain pass. */
void chain_test_switched_off(void **state)
{
	struct chain_fx c;

	setup(&c, *state, true, false);
	run(&c, &from_polite, XDP_PASS, "hand-off off");
	check_handed(&c, 0, 0);
	if (fg_chain_reconcile(&c.fx->maps) != 0)
		FAIL("reconcile changed a consistent slot");
	teardown(&c);
}

/* floodgate's own program, or any program on this floodgate's maps, is
 * refused for the slot: there it would run the path again on each pass
 * (34 times a packet, charged to its source each time). Another program
 * still goes in. */
void chain_test_refuses_self(void **state)
{
	struct chain_fx c;
	struct floodgate_bpf *twin;
	struct fg_chain_state st;
	char err[512] = "";
	int rc;

	setup(&c, *state, false, false);
	rc = fg_chain_set(&c.fx->maps, c.fx->prog_fd, err, sizeof(err));
	if (rc != -ELOOP || !strstr(err, "uses this floodgate's map"))
		FAIL("floodgate's own program: %s (%s), expected -ELOOP",
		     strerror(-rc), err);

	/* The same object on this floodgate's fg_ctl, its other maps its
	 * own: it shares the state, so it is refused too. */
	twin = floodgate_bpf__open();
	if (!twin)
		FAIL("opening a second floodgate object: %s", strerror(errno));
	rc = bpf_map__reuse_fd(twin->maps.fg_ctl, c.fx->maps.ctl);
	if (!rc)
		rc = floodgate_bpf__load(twin);
	if (rc)
		FAIL("loading a second floodgate object: %s", strerror(-rc));
	rc = fg_chain_set(&c.fx->maps,
			  bpf_program__fd(twin->progs.floodgate_xdp), err,
			  sizeof(err));
	floodgate_bpf__destroy(twin);
	if (rc != -ELOOP || !strstr(err, FG_MAP_CTL))
		FAIL("a program on fg_ctl: %s (%s), expected -ELOOP naming "
		     "fg_ctl",
		     strerror(-rc), err);
	rc = fg_chain_read(&c.fx->maps, &st);
	if (rc || st.prog_id || st.active)
		FAIL("after the refusals: slot prog id %u, hand-off %s",
		     st.prog_id, st.active ? "on" : "off");
	run(&c, &from_polite, XDP_PASS, "a refused slot stays empty");

	rc =
	    fg_chain_set(&c.fx->maps, bpf_program__fd(c.next->progs.chain_next),
			 err, sizeof(err));
	if (rc)
		FAIL("another program: %s", err);
	run(&c, &from_polite, HANDED, "another program gets the pass");
	teardown(&c);
}
