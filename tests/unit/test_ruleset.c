// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A validated config into the ABI structs (user/lib/ruleset.c). */
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

#include "ruleset.h"

#define MS 1000000ULL
#define S 1000000000ULL

struct fixture {
	struct fg_settings s;
	struct fg_config cfg;
	struct fg_rule_match m;
	char err[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->s.ipv4_prefix = 32;
	f->s.ipv6_prefix = 64;
	/* garbage in the outputs: compile must fill every field */
	memset(&f->cfg, 0x5a, sizeof(f->cfg));
	memset(&f->m, 0x5a, sizeof(f->m));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* ports: pairs of (first, last), ended by a 0 first with 0 last. */
static struct fg_rule_spec *add_rule(struct fg_settings *s, const char *name,
				     enum fg_protocol proto,
				     const unsigned int *ports)
{
	struct fg_rule_spec *r = &s->rules[s->nrules++];

	snprintf(r->name, sizeof(r->name), "%s", name);
	r->protocol = proto;
	for (; ports && (ports[0] || ports[1]); ports += 2) {
		r->ports[r->nports].first = (__u16)ports[0];
		r->ports[r->nports].last = (__u16)ports[1];
		r->nports++;
	}
	return r;
}

static void compile_ok(struct fixture *f)
{
	int rc = fg_ruleset_compile(&f->s, 0, NULL, &f->cfg, &f->m, f->err,
				    sizeof(f->err));

	if (rc)
		fail_msg("compile: %d %s", rc, f->err);
}

static __u8 tcp(const struct fixture *f, unsigned int port)
{
	return (__u8)fg_rule_match_slot(&f->cfg, &f->m, FG_PCLASS_TCP, true,
					(__u16)port, 0, 0);
}

static __u8 udp(const struct fixture *f, unsigned int port)
{
	return (__u8)fg_rule_match_slot(&f->cfg, &f->m, FG_PCLASS_UDP, true,
					(__u16)port, 0, 0);
}

/* The rule of packets without ports (ICMP, other, fragments). */
static __u8 portless(const struct fixture *f, unsigned int pclass)
{
	return (__u8)fg_rule_match_slot(&f->cfg, &f->m, pclass, false, 0, 0, 0);
}

static void test_mask4(void **state)
{
	(void)state;
	assert_int_equal(fg_mask4(24), htonl(0xffffff00u));
	assert_int_equal(fg_mask4(0), 0);
	assert_int_equal(fg_mask4(32), 0xffffffffu);
	assert_int_equal(fg_mask4(1), htonl(0x80000000u));
	assert_int_equal(fg_mask4(16), htonl(0xffff0000u));
	assert_int_equal(fg_mask4(31), htonl(0xfffffffeu));
}

static void test_mask6(void **state)
{
	__u32 m[4];

	(void)state;
	fg_mask6(64, m);
	assert_int_equal(m[0], 0xffffffffu);
	assert_int_equal(m[1], 0xffffffffu);
	assert_int_equal(m[2], 0);
	assert_int_equal(m[3], 0);
	fg_mask6(48, m);
	assert_int_equal(m[0], 0xffffffffu);
	assert_int_equal(m[1], htonl(0xffff0000u));
	assert_int_equal(m[2], 0);
	assert_int_equal(m[3], 0);
	fg_mask6(128, m);
	for (int i = 0; i < 4; i++)
		assert_int_equal(m[i], 0xffffffffu);
	memset(m, 0xff, sizeof(m));
	fg_mask6(0, m);
	for (int i = 0; i < 4; i++)
		assert_int_equal(m[i], 0);
	fg_mask6(1, m);
	assert_int_equal(m[0], htonl(0x80000000u));
	assert_int_equal(m[1], 0);
	fg_mask6(127, m);
	assert_int_equal(m[2], 0xffffffffu);
	assert_int_equal(m[3], htonl(0xfffffffeu));
	fg_mask6(96, m);
	assert_int_equal(m[2], 0xffffffffu);
	assert_int_equal(m[3], 0);
}

/* FNV-1a 32, with 0 kept for the defaults. */
static void test_rule_id(void **state)
{
	(void)state;
	assert_int_equal(fg_rule_id("a"), 0xe40c292cu);
	assert_int_equal(fg_rule_id("foobar"), 0xbf9cf968u);
	assert_int_equal(fg_rule_id(""), 0x811c9dc5u);
	assert_int_equal(fg_rule_id("http"), fg_rule_id("http"));
	assert_int_not_equal(fg_rule_id("http"), fg_rule_id("https"));
	/* FNV-1a("akhnp9x") is 0, the defaults' id: moved to 1 */
	assert_int_equal(fg_rule_id("akhnp9x"), 1);
}

static void test_config_fields(void **state)
{
	struct fixture *f = *state;

	f->s.ipv4_prefix = 24;
	f->s.ipv6_prefix = 48;
	f->s.malformed_drop = true;
	f->s.defaults[FG_DIM_PACKETS] = (struct fg_dim_limit){{1000, S}, 2000};
	compile_ok(f);
	assert_int_equal(f->cfg.mask4, htonl(0xffffff00u));
	assert_int_equal(f->cfg.mask6[0], 0xffffffffu);
	assert_int_equal(f->cfg.mask6[1], htonl(0xffff0000u));
	assert_int_equal(f->cfg.mask6[2], 0);
	assert_int_equal(f->cfg.mask6[3], 0);
	assert_int_equal(f->cfg.malformed_drop, 1);
	assert_int_equal(f->cfg.nrules, 0);
	for (int c = 0; c < FG_PCLASS_COUNT; c++)
		assert_int_equal(portless(f, c), FG_RULE_DEFAULT);
	assert_int_equal(f->cfg.pad, 0);
	assert_int_equal(f->cfg.class_rules, 0);
	assert_int_equal(f->cfg.has_dests, 0);
	/* slot 0: the defaults, id 0 */
	assert_int_equal(f->cfg.rules[0].id, FG_RULE_ID_DEFAULT);
	assert_int_equal(f->cfg.rules[0].limit[FG_DIM_PACKETS].interval_fp,
			 1000000ULL << FG_FP_SHIFT);
	assert_int_equal(f->cfg.rules[0].limit[FG_DIM_PACKETS].tolerance_ns,
			 2 * S);
	assert_int_equal(f->cfg.rules[0].limit[FG_DIM_BYTES].interval_fp, 0);
	assert_int_equal(f->cfg.rules[0].limit[FG_DIM_CONNECTIONS].interval_fp,
			 0);
	assert_int_equal(f->cfg.rules[0].has_aggregate, 0);
	/* no rules: every port of both classes takes the defaults */
	for (unsigned int p = 0; p < FG_PORTS; p++) {
		assert_int_equal(tcp(f, p), 0);
		assert_int_equal(udp(f, p), 0);
	}
	/* unused slots are zero */
	for (int r = 1; r < FG_RULE_SLOTS; r++) {
		assert_int_equal(f->cfg.rules[r].id, 0);
		assert_int_equal(f->cfg.rules[r].limit[0].interval_fp, 0);
	}

	f->s.ipv4_prefix = 32;
	f->s.ipv6_prefix = 128;
	f->s.malformed_drop = false;
	compile_ok(f);
	assert_int_equal(f->cfg.mask4, 0xffffffffu);
	for (int i = 0; i < 4; i++)
		assert_int_equal(f->cfg.mask6[i], 0xffffffffu);
	assert_int_equal(f->cfg.malformed_drop, 0);
}

static void test_ports_first_match(void **state)
{
	static const unsigned int a_ports[] = {8000, 8099, 0, 0};
	static const unsigned int b_ports[] = {80, 80, 8050, 8050, 0, 0};
	struct fixture *f = *state;

	add_rule(&f->s, "a", FG_PROTO_TCP, a_ports);
	add_rule(&f->s, "b", FG_PROTO_TCP, b_ports);
	compile_ok(f);
	assert_int_equal(f->cfg.nrules, 2);
	assert_int_equal(tcp(f, 8050), 1);
	assert_int_equal(tcp(f, 80), 2);
	assert_int_equal(tcp(f, 81), 0);
	assert_int_equal(tcp(f, 79), 0);
	assert_int_equal(tcp(f, 8000), 1);
	assert_int_equal(tcp(f, 8099), 1);
	assert_int_equal(tcp(f, 7999), 0);
	assert_int_equal(tcp(f, 8100), 0);
	assert_int_equal(tcp(f, 0), 0);
	assert_int_equal(tcp(f, 65535), 0);
	assert_int_equal(udp(f, 8050), 0);
	assert_int_equal(udp(f, 80), 0);
	/* both rules name ports: nothing portless */
	for (int c = 0; c < FG_PCLASS_COUNT; c++)
		assert_int_equal(portless(f, c), FG_RULE_DEFAULT);
	/* whole table: exactly the named ports, nothing else */
	for (unsigned int p = 0; p < FG_PORTS; p++) {
		__u8 want = p >= 8000 && p <= 8099 ? 1 : p == 80 ? 2 : 0;

		if (tcp(f, p) != want || udp(f, p) != 0)
			fail_msg("port %u: tcp %u udp %u, want tcp %u", p,
				 tcp(f, p), udp(f, p), want);
	}
}

static void test_ports_edges(void **state)
{
	static const unsigned int all[] = {1, 65535, 0, 0};
	struct fixture *f = *state;
	struct fg_rule_spec *r;

	/* (0, 0) ends add_rule()'s list: port 0 is set by hand */
	r = add_rule(&f->s, "edge", FG_PROTO_UDP, NULL);
	r->ports[0] = (struct fg_port_range){0, 0};
	r->ports[1] = (struct fg_port_range){65535, 65535};
	r->nports = 2;
	add_rule(&f->s, "all", FG_PROTO_UDP, all);
	compile_ok(f);
	assert_int_equal(udp(f, 0), 1);
	assert_int_equal(udp(f, 65535), 1);
	assert_int_equal(udp(f, 1), 2);
	assert_int_equal(udp(f, 65534), 2);
	assert_int_equal(tcp(f, 0), 0);
	assert_int_equal(tcp(f, 65535), 0);
	for (int c = 0; c < FG_PCLASS_COUNT; c++)
		assert_int_equal(portless(f, c), FG_RULE_DEFAULT);
}

static void test_ports_any_and_portless(void **state)
{
	static const unsigned int a_ports[] = {8000, 8099, 0, 0};
	static const unsigned int dns[] = {53, 53, 8050, 8050, 0, 0};
	struct fixture *f = *state;

	add_rule(&f->s, "a", FG_PROTO_TCP, a_ports);	 /* 1 */
	add_rule(&f->s, "dns", FG_PROTO_ANY, dns);	 /* 2 */
	add_rule(&f->s, "tcp-rest", FG_PROTO_TCP, NULL); /* 3 */
	add_rule(&f->s, "ping", FG_PROTO_ICMP, NULL);	 /* 4 */
	add_rule(&f->s, "ping2", FG_PROTO_ICMP, NULL);	 /* 5 */
	add_rule(&f->s, "rest", FG_PROTO_ANY, NULL);	 /* 6 */
	add_rule(&f->s, "udp-rest", FG_PROTO_UDP, NULL); /* 7 */
	compile_ok(f);
	assert_int_equal(f->cfg.nrules, 7);
	/* an "any" rule with ports fills both port columns */
	assert_int_equal(tcp(f, 53), 2);
	assert_int_equal(udp(f, 53), 2);
	/* ... below an earlier tcp rule */
	assert_int_equal(tcp(f, 8050), 1);
	assert_int_equal(udp(f, 8050), 2);
	/* a tcp rule without ports takes every tcp port left */
	assert_int_equal(tcp(f, 81), 3);
	assert_int_equal(tcp(f, 0), 3);
	assert_int_equal(tcp(f, 65535), 3);
	assert_int_equal(tcp(f, 8000), 1);
	/* udp: what no earlier rule took goes to "rest", never udp-rest */
	assert_int_equal(udp(f, 81), 6);
	assert_int_equal(udp(f, 8000), 6);
	assert_int_equal(udp(f, 0), 6);
	for (unsigned int p = 0; p < FG_PORTS; p++) {
		__u8 wt = p == 53 ? 2 : (p >= 8000 && p <= 8099) ? 1 : 3;
		__u8 wu = p == 53 || p == 8050 ? 2 : 6;

		if (tcp(f, p) != wt || udp(f, p) != wu)
			fail_msg("port %u: tcp %u udp %u, want %u %u", p,
				 tcp(f, p), udp(f, p), wt, wu);
	}
	/* portless: the first rule of the class that names no ports */
	assert_int_equal(portless(f, FG_PCLASS_TCP), 3);
	assert_int_equal(portless(f, FG_PCLASS_ICMP), 4);
	assert_int_equal(portless(f, FG_PCLASS_UDP), 6);
	assert_int_equal(portless(f, FG_PCLASS_OTHER), 6);
}

static void test_portless_icmp_only(void **state)
{
	static const unsigned int web[] = {80, 80, 0, 0};
	struct fixture *f = *state;

	add_rule(&f->s, "web", FG_PROTO_ANY, web);
	add_rule(&f->s, "ping", FG_PROTO_ICMP, NULL);
	compile_ok(f);
	assert_int_equal(portless(f, FG_PCLASS_ICMP), 2);
	assert_int_equal(portless(f, FG_PCLASS_TCP), 0);
	assert_int_equal(portless(f, FG_PCLASS_UDP), 0);
	assert_int_equal(portless(f, FG_PCLASS_OTHER), 0);
	/* an icmp rule owns no port */
	assert_int_equal(tcp(f, 80), 1);
	assert_int_equal(udp(f, 80), 1);
	assert_int_equal(tcp(f, 81), 0);
	assert_int_equal(udp(f, 81), 0);
}

static void test_rule_fields(void **state)
{
	static const unsigned int web[] = {80, 80, 443, 443, 0, 0};
	struct fixture *f = *state;
	struct fg_rule_spec *r;
	const struct fg_rule *o;

	r = add_rule(&f->s, "http", FG_PROTO_TCP, web);
	r->dim[FG_DIM_PACKETS] = (struct fg_dim_limit){{200, S}, 400};
	r->dim[FG_DIM_CONNECTIONS] = (struct fg_dim_limit){{20, S}, 40};
	r->block_ns = 30 * S;
	r->action = FG_RULE_ACTION_RESET;
	r->aggregate.enabled = true;
	r->aggregate.ipv4_prefix = 24;
	r->aggregate.ipv6_prefix = 48;
	r->aggregate.dim[FG_DIM_PACKETS] =
	    (struct fg_dim_limit){{5000, S}, 10000};
	r->aggregate.dim[FG_DIM_BYTES] =
	    (struct fg_dim_limit){{10000000, S}, 3000};

	r = add_rule(&f->s, "dns", FG_PROTO_UDP, NULL);
	r->dim[FG_DIM_BYTES] = (struct fg_dim_limit){{1000, 60 * S}, 1500};
	r->block_ns = 10 * S;
	r->block_factor = 3;
	r->block_max_ns = 300 * S;
	r->block_window_ns = 3600 * S;
	/* aggregate data without enabled is ignored */
	r->aggregate.ipv4_prefix = 16;
	r->aggregate.dim[FG_DIM_PACKETS] = (struct fg_dim_limit){{1, S}, 1};
	compile_ok(f);
	assert_int_equal(f->cfg.nrules, 2);

	o = &f->cfg.rules[1];
	assert_int_equal(o->id, fg_rule_id("http"));
	assert_int_not_equal(o->id, 0);
	assert_int_equal(o->limit[FG_DIM_PACKETS].interval_fp,
			 5000000ULL << FG_FP_SHIFT);
	assert_int_equal(o->limit[FG_DIM_PACKETS].tolerance_ns, 2 * S);
	assert_int_equal(o->limit[FG_DIM_BYTES].interval_fp, 0);
	assert_int_equal(o->limit[FG_DIM_BYTES].tolerance_ns, 0);
	assert_int_equal(o->limit[FG_DIM_CONNECTIONS].interval_fp,
			 50000000ULL << FG_FP_SHIFT);
	assert_int_equal(o->limit[FG_DIM_CONNECTIONS].tolerance_ns, 2 * S);
	assert_int_equal(o->block_ns, 30 * S);
	assert_int_equal(o->action, FG_RULE_ACTION_RESET);
	assert_int_equal(o->has_aggregate, 1);
	assert_int_equal(o->agg_mask4, htonl(0xffffff00u));
	assert_int_equal(o->agg_mask6[0], 0xffffffffu);
	assert_int_equal(o->agg_mask6[1], htonl(0xffff0000u));
	assert_int_equal(o->agg_mask6[2], 0);
	assert_int_equal(o->agg_mask6[3], 0);
	assert_int_equal(o->agg_limit[FG_DIM_PACKETS].interval_fp,
			 200000ULL << FG_FP_SHIFT);
	assert_int_equal(o->agg_limit[FG_DIM_PACKETS].tolerance_ns, 2 * S);
	assert_int_equal(o->agg_limit[FG_DIM_BYTES].interval_fp,
			 100ULL << FG_FP_SHIFT);
	assert_int_equal(o->agg_limit[FG_DIM_BYTES].tolerance_ns, 300000);
	assert_int_equal(o->agg_limit[FG_DIM_CONNECTIONS].interval_fp, 0);
	for (size_t i = 0; i < sizeof(o->pad); i++)
		assert_int_equal(o->pad[i], 0);
	/* A plain block: the same box every time. */
	assert_int_equal(o->block_factor, 1);
	assert_int_equal(o->block_max_ns, 30 * S);
	assert_int_equal(o->block_window_ns, 0);
	for (size_t i = 0; i < sizeof(o->pad_end); i++)
		assert_int_equal(o->pad_end[i], 0);

	o = &f->cfg.rules[2];
	assert_int_equal(o->id, fg_rule_id("dns"));
	assert_int_equal(o->action, FG_RULE_ACTION_DROP);
	assert_int_equal(o->block_ns, 10 * S);
	assert_int_equal(o->block_factor, 3);
	assert_int_equal(o->block_max_ns, 300 * S);
	assert_int_equal(o->block_window_ns, 3600 * S);
	assert_int_equal(o->limit[FG_DIM_PACKETS].interval_fp, 0);
	assert_int_equal(o->limit[FG_DIM_BYTES].interval_fp,
			 60000000ULL << FG_FP_SHIFT);
	assert_int_equal(o->limit[FG_DIM_BYTES].tolerance_ns, 90 * S);
	assert_int_equal(o->has_aggregate, 0);
	assert_int_equal(o->agg_mask4, 0);
	assert_int_equal(o->agg_limit[FG_DIM_PACKETS].interval_fp, 0);

	assert_int_equal(tcp(f, 443), 1);
	assert_int_equal(udp(f, 443), 2);
	assert_int_equal(portless(f, FG_PCLASS_UDP), 2);
	assert_int_equal(portless(f, FG_PCLASS_TCP), 0);
}

/* A rule counts for the fleet only when it has a fleet limit and there
 * is a fleet to publish to. */
static void test_rule_fleet_flag(void **state)
{
	struct fixture *f = *state;
	struct fg_rule_spec *r;

	r = add_rule(&f->s, "shared", FG_PROTO_TCP, NULL);
	r->has_fleet = true;
	r->fleet[FG_DIM_PACKETS] = (struct fg_dim_limit){{2000, S}, 2000};
	r = add_rule(&f->s, "local", FG_PROTO_UDP, NULL);
	r->dim[FG_DIM_PACKETS] = (struct fg_dim_limit){{10, S}, 10};

	compile_ok(f); /* fleet.redis "": no fleet */
	assert_int_equal(f->cfg.rules[1].fleet, 0);
	assert_int_equal(f->cfg.rules[2].fleet, 0);
	assert_int_equal(f->cfg.rules[FG_RULE_DEFAULT].fleet, 0);

	snprintf(f->s.fleet.redis, sizeof(f->s.fleet.redis),
		 "redis://192.0.2.1");
	memset(&f->cfg, 0x5a, sizeof(f->cfg));
	compile_ok(f);
	assert_int_equal(f->cfg.rules[1].fleet, 1);
	assert_int_equal(f->cfg.rules[2].fleet, 0);
	assert_int_equal(f->cfg.rules[FG_RULE_DEFAULT].fleet, 0);
	/* the fleet limit is the daemon's business, not the datapath's */
	assert_int_equal(f->cfg.rules[1].limit[FG_DIM_PACKETS].interval_fp, 0);
}

/* Ids follow the name, not the slot: reordering keeps each rule's id. */
static void test_ids_stable_across_reorder(void **state)
{
	struct fixture *f = *state;
	__u32 a, b, c;

	add_rule(&f->s, "alpha", FG_PROTO_TCP, NULL);
	add_rule(&f->s, "beta", FG_PROTO_UDP, NULL);
	add_rule(&f->s, "gamma", FG_PROTO_ANY, NULL);
	compile_ok(f);
	a = f->cfg.rules[1].id;
	b = f->cfg.rules[2].id;
	c = f->cfg.rules[3].id;
	assert_int_equal(a, fg_rule_id("alpha"));
	assert_int_equal(b, fg_rule_id("beta"));
	assert_int_equal(c, fg_rule_id("gamma"));
	assert_true(a && b && c && a != b && b != c && a != c);

	memset(&f->s.rules, 0, sizeof(f->s.rules));
	f->s.nrules = 0;
	add_rule(&f->s, "gamma", FG_PROTO_ANY, NULL);
	add_rule(&f->s, "alpha", FG_PROTO_TCP, NULL);
	compile_ok(f);
	assert_int_equal(f->cfg.nrules, 2);
	assert_int_equal(f->cfg.rules[1].id, c);
	assert_int_equal(f->cfg.rules[2].id, a);
	assert_int_equal(f->cfg.rules[3].id, 0);
	assert_int_equal(f->cfg.rules[0].id, 0);
}

static void test_id_collision(void **state)
{
	struct fixture *f = *state;
	int rc;

	/* FNV-1a 32 collision: both hash to 0x6fbed7e2 */
	assert_int_equal(fg_rule_id("r66999"), fg_rule_id("r916676"));
	add_rule(&f->s, "r66999", FG_PROTO_TCP, NULL);
	add_rule(&f->s, "x", FG_PROTO_UDP, NULL);
	add_rule(&f->s, "r916676", FG_PROTO_UDP, NULL);
	rc = fg_ruleset_compile(&f->s, 0, NULL, &f->cfg, &f->m, f->err,
				sizeof(f->err));
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(f->err, "r66999"));
	assert_non_null(strstr(f->err, "r916676"));
}

static void test_max_rules(void **state)
{
	struct fixture *f = *state;
	char name[16];

	for (unsigned int i = 0; i < FG_MAX_RULES; i++) {
		const unsigned int p[] = {1000 + i, 1000 + i, 0, 0};

		snprintf(name, sizeof(name), "rule%u", i);
		add_rule(&f->s, name, FG_PROTO_TCP, p);
	}
	compile_ok(f);
	assert_int_equal(f->cfg.nrules, FG_MAX_RULES);
	assert_int_equal(tcp(f, 1000), 1);
	assert_int_equal(tcp(f, 1000 + FG_MAX_RULES - 1), FG_MAX_RULES);
	assert_int_equal(tcp(f, 1000 + FG_MAX_RULES), 0);
	assert_int_equal(f->cfg.rules[FG_MAX_RULES].id, fg_rule_id("rule63"));
}

/* The compiled config's names by slot, as fg_meta keeps them. */
static void names_of(const struct fixture *f,
		     char prev[FG_RULE_SLOTS][FG_RULE_NAME_LEN])
{
	memset(prev, 0, (size_t)FG_RULE_SLOTS * FG_RULE_NAME_LEN);
	snprintf(prev[0], FG_RULE_NAME_LEN, "default");
	for (unsigned int i = 0; i < f->s.nrules; i++)
		snprintf(prev[f->m.rule_slot[i]], FG_RULE_NAME_LEN, "%s",
			 f->s.rules[i].name);
	for (unsigned int k = 0; k < f->s.nclasses; k++)
		if (f->m.class_slot[k + 1])
			snprintf(prev[f->m.class_slot[k + 1]], FG_RULE_NAME_LEN,
				 FG_SCALED_DEFAULT_FMT, f->s.classes[k].name);
}

static void compile_after(struct fixture *f,
			  char prev[FG_RULE_SLOTS][FG_RULE_NAME_LEN])
{
	int rc =
	    fg_ruleset_compile(&f->s, 0, (const char(*)[FG_RULE_NAME_LEN])prev,
			       &f->cfg, &f->m, f->err, sizeof(f->err));

	if (rc)
		fail_msg("compile: %d %s", rc, f->err);
}

static void reset_rules(struct fixture *f)
{
	memset(&f->s.rules, 0, sizeof(f->s.rules));
	f->s.nrules = 0;
}

/* A rule keeps its slot (so its counters' row) by name across
 * reordering; matching stays in config order whatever the slots. */
static void test_slots_kept_by_name(void **state)
{
	struct fixture *f = *state;
	char prev[FG_RULE_SLOTS][FG_RULE_NAME_LEN];
	const unsigned int p9999[] = {9999, 9999, 0, 0};
	const unsigned int p9998[] = {9998, 9999, 0, 0};

	add_rule(&f->s, "alpha", FG_PROTO_UDP, p9999);
	add_rule(&f->s, "beta", FG_PROTO_UDP, p9998);
	compile_ok(f); /* nothing before: config order */
	assert_int_equal(f->m.rule_slot[0], 1);
	assert_int_equal(f->m.rule_slot[1], 2);
	assert_int_equal(udp(f, 9999), 1);
	names_of(f, prev);

	reset_rules(f);
	add_rule(&f->s, "beta", FG_PROTO_UDP, p9998);
	add_rule(&f->s, "alpha", FG_PROTO_UDP, p9999);
	compile_after(f, prev);
	assert_int_equal(f->m.rule_slot[0], 2); /* beta */
	assert_int_equal(f->m.rule_slot[1], 1); /* alpha */
	assert_int_equal(f->cfg.rules[1].id, fg_rule_id("alpha"));
	assert_int_equal(f->cfg.rules[2].id, fg_rule_id("beta"));
	assert_int_equal(f->cfg.nrules, 2);
	/* beta comes first now: 9999 is its, though alpha has slot 1 */
	assert_int_equal(udp(f, 9999), 2);
	assert_int_equal(udp(f, 9998), 2);
	assert_int_equal(udp(f, 9997), FG_RULE_DEFAULT);
}

/* A new rule takes the lowest slot the running config leaves free, not
 * one a rule dropped in the same reload still counts into; a dropped
 * rule's slot stays free (id 0, never matched) and is taken later. */
static void test_slots_new_rules(void **state)
{
	struct fixture *f = *state;
	char prev[FG_RULE_SLOTS][FG_RULE_NAME_LEN];

	add_rule(&f->s, "alpha", FG_PROTO_UDP, NULL);
	add_rule(&f->s, "beta", FG_PROTO_TCP, NULL);
	compile_ok(f);
	names_of(f, prev);

	reset_rules(f);
	add_rule(&f->s, "gamma", FG_PROTO_UDP, NULL);
	add_rule(&f->s, "beta", FG_PROTO_TCP, NULL);
	compile_after(f, prev);
	assert_int_equal(f->m.rule_slot[0], 3); /* not alpha's 1 */
	assert_int_equal(f->m.rule_slot[1], 2);
	assert_int_equal(f->cfg.nrules, 3);
	assert_int_equal(f->cfg.rules[1].id, 0); /* free */
	assert_int_equal(udp(f, 53), 3);
	assert_int_equal(tcp(f, 80), 2);
	for (unsigned int g = 0; g < f->m.ngroups; g++)
		for (unsigned int c = 0; c < FG_CLASS_SLOTS; c++)
			for (unsigned int d = 0; d < FG_DEST_SLOTS; d++)
				assert_int_not_equal(f->m.table.slot[g][c][d],
						     1);
	names_of(f, prev);

	/* the next reload: slot 1 is free in the running config */
	add_rule(&f->s, "delta", FG_PROTO_ICMP, NULL);
	add_rule(&f->s, "alpha", FG_PROTO_ANY, NULL);
	compile_after(f, prev);
	assert_int_equal(f->m.rule_slot[0], 3);
	assert_int_equal(f->m.rule_slot[1], 2);
	assert_int_equal(f->m.rule_slot[2], 1); /* delta */
	assert_int_equal(f->m.rule_slot[3], 4); /* alpha, anew */
	assert_int_equal(f->cfg.nrules, 4);
	assert_int_equal(portless(f, FG_PCLASS_ICMP), 1);
	assert_int_equal(portless(f, FG_PCLASS_OTHER), 4);
}

/* With every slot running, a new rule takes one a dropped rule leaves;
 * the scaled defaults keep their slots by name too. */
static void test_slots_full_and_classes(void **state)
{
	struct fixture *f = *state;
	char prev[FG_RULE_SLOTS][FG_RULE_NAME_LEN], name[16];

	for (unsigned int i = 0; i < FG_MAX_RULES - 1; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		add_rule(&f->s, name, FG_PROTO_TCP, NULL);
	}
	f->s.nclasses = 1;
	snprintf(f->s.classes[0].name, sizeof(f->s.classes[0].name), "big");
	f->s.classes[0].limits_scale = 2 * FG_SCALE_ONE;
	f->s.defaults[FG_DIM_PACKETS] = (struct fg_dim_limit){{100, S}, 100};
	compile_ok(f);
	assert_int_equal(f->m.class_slot[1], FG_MAX_RULES);
	names_of(f, prev);

	/* r0 dropped, "new" first, the rest reversed */
	reset_rules(f);
	add_rule(&f->s, "new", FG_PROTO_UDP, NULL);
	for (unsigned int i = FG_MAX_RULES - 2; i >= 1; i--) {
		snprintf(name, sizeof(name), "r%u", i);
		add_rule(&f->s, name, FG_PROTO_TCP, NULL);
	}
	compile_after(f, prev);
	assert_int_equal(f->m.rule_slot[0], 1); /* r0's, the only one */
	for (unsigned int i = 1; i < f->s.nrules; i++)
		assert_int_equal(f->m.rule_slot[i], FG_MAX_RULES - i);
	assert_int_equal(f->m.class_slot[1], FG_MAX_RULES);
	assert_int_equal(f->cfg.rules[FG_MAX_RULES].id,
			 fg_rule_id("default@big"));
	assert_int_equal(tcp(f, 80), FG_MAX_RULES - 1); /* r62 first */
}

/* A class's scaled defaults in 128 bits: 18446744073711bit/h times
 * 1000 wrapped in 64 bits to 0.05 B/s; the config refuses that rate as
 * too fast, and the compiler, fed it anyway, keeps its size (clamped to
 * the datapath's 1 ns a byte) rather than a wrapped one. */
static void test_scaled_default_128bit(void **state)
{
	struct fixture *f = *state;
	const struct fg_dim_limit bytes = {{18446744073711ull, 8ull * 3600 * S},
					   1000000};
	struct fg_dim_limit out;

	f->s.defaults[FG_DIM_BYTES] = bytes;
	f->s.nclasses = 1;
	snprintf(f->s.classes[0].name, sizeof(f->s.classes[0].name), "big");
	f->s.classes[0].limits_scale = 1000 * FG_SCALE_ONE;
	compile_ok(f);
	assert_int_equal(f->cfg.nrules, 1);
	assert_int_equal(f->cfg.rules[1].limit[FG_DIM_BYTES].interval_fp,
			 1u << FG_FP_SHIFT);

	/* exact: the same rational, reduced */
	assert_int_equal(fg_scale_limit(&bytes, 1000 * FG_SCALE_ONE, &out), 0);
	assert_true((unsigned __int128)out.rate.amount * bytes.rate.per_ns ==
		    (unsigned __int128)bytes.rate.amount * 1000 *
			out.rate.per_ns);
	assert_int_equal(out.burst, 1000 * bytes.burst);
	assert_int_equal(fg_scale_limit(&bytes, 500, &out), 0);
	assert_int_equal(out.burst, bytes.burst / 2);
	assert_true((unsigned __int128)out.rate.amount * bytes.rate.per_ns *
			2 ==
		    (unsigned __int128)bytes.rate.amount * out.rate.per_ns);
	/* a burst rounds up, to at least 1 */
	assert_int_equal(
	    fg_scale_limit(&(struct fg_dim_limit){{1, S}, 1}, 1, &out), 0);
	assert_int_equal(out.burst, 1);
	/* what cannot be held in 64 bits is refused, not wrapped (999.997:
	 * nothing in common with the period to cancel) */
	assert_int_equal(
	    fg_scale_limit(&(struct fg_dim_limit){{1ull << 62, S}, 1}, 999997,
			   &out),
	    -ERANGE);
	f->s.defaults[FG_DIM_PACKETS] =
	    (struct fg_dim_limit){{1ull << 62, S}, 1};
	f->s.classes[0].limits_scale = 999997;
	assert_int_equal(fg_ruleset_compile(&f->s, 0, NULL, &f->cfg, &f->m,
					    f->err, sizeof(f->err)),
			 -EINVAL);
	assert_non_null(strstr(f->err, "classes.big.limits_scale"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask4),
	    cmocka_unit_test(test_mask6),
	    cmocka_unit_test(test_rule_id),
	    cmocka_unit_test_setup_teardown(test_config_fields, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ports_first_match, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ports_edges, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ports_any_and_portless, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_portless_icmp_only, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_rule_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rule_fleet_flag, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ids_stable_across_reorder,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_id_collision, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scaled_default_128bit, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_slots_kept_by_name, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_slots_new_rules, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_slots_full_and_classes, setup,
					    teardown),
	};

	return cmocka_run_group_tests_name("ruleset", tests, NULL, NULL);
}
