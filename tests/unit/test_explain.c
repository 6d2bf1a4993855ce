// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `floodgate explain`'s steps over crafted state (user/lib/explain.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "explain.h"
#include "fg_gcra.h"

#define MS 1000000ULL
#define S 1000000000ULL
#define NOW (1000 * S)
#define HTTP 1	 /* rule slot: tcp/443 */
#define OFFICE 2 /* rule slot: class office */
#define CLASS_OFFICE 3
#define HTTP_ID 0x1111u
#define OFFICE_ID 0x2222u
#define MAX_ENTRIES 4

/* What the fake maps hold. */
struct world {
	struct fg_ctl ctl;
	struct fg_config cfg;
	struct fg_meta meta;
	struct fg_rule_match *match;
	struct fg_cidr list_prefix[MAX_ENTRIES];
	__u32 list_value[MAX_ENTRIES];
	int nlist;
	struct fg_src_key src_key[MAX_ENTRIES];
	struct fg_src_state src_state[MAX_ENTRIES];
	int nsrc;
	struct fg_src_key box_key[MAX_ENTRIES];
	struct fg_block box[MAX_ENTRIES];
	int nbox;
	struct fg_src_key fleet_key;
	struct fg_block fleet;
	bool has_fleet;
	__u64 admit_tat;
	__u32 dest_set; /* of every address */
	int source_reads;
};

static int fake_list(void *arg, const struct fg_cidr *host,
		     struct fg_cidr *prefix, __u32 *value)
{
	struct world *w = arg;
	int best = -1;

	for (int i = 0; i < w->nlist; i++)
		if (fg_cidr_covers(&w->list_prefix[i], host) &&
		    (best < 0 || w->list_prefix[i].prefixlen >
				     w->list_prefix[best].prefixlen))
			best = i;
	if (best < 0)
		return -ENOENT;
	*prefix = w->list_prefix[best];
	*value = w->list_value[best];
	return 0;
}

static __u32 fake_dest_set(void *arg, const __u8 addr[16])
{
	(void)addr;
	return ((struct world *)arg)->dest_set;
}

static int fake_source(void *arg, const struct fg_src_key *k,
		       struct fg_src_state *out)
{
	struct world *w = arg;

	w->source_reads++;
	for (int i = 0; i < w->nsrc; i++)
		if (!memcmp(&w->src_key[i], k, sizeof(*k))) {
			*out = w->src_state[i];
			return 0;
		}
	return -ENOENT;
}

static int fake_blocked(void *arg, const struct fg_src_key *k,
			struct fg_block *out)
{
	struct world *w = arg;

	for (int i = 0; i < w->nbox; i++)
		if (!memcmp(&w->box_key[i], k, sizeof(*k))) {
			*out = w->box[i];
			return 0;
		}
	return -ENOENT;
}

static int fake_fleet_blocked(void *arg, const struct fg_src_key *k,
			      struct fg_block *out)
{
	struct world *w = arg;

	if (!w->has_fleet || memcmp(&w->fleet_key, k, sizeof(*k)))
		return -ENOENT;
	*out = w->fleet;
	return 0;
}

static int fake_admit(void *arg, __u64 *tat)
{
	*tat = ((struct world *)arg)->admit_tat;
	return 0;
}

/* rate per second, burst in units */
static void set_limit(struct fg_limit *l, __u64 rate, __u64 burst)
{
	__u64 interval = S / rate;

	l->interval_fp = interval << FG_FP_SHIFT;
	l->tolerance_ns = burst * interval;
}

static void cidr(const char *s, struct fg_cidr *c)
{
	const char *why = NULL;

	assert_int_equal(fg_parse_cidr(s, c, &why), 0);
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	w->match = calloc(1, sizeof(*w->match));
	if (!w->match) {
		free(w);
		return -1;
	}
	w->ctl.enabled = 1;
	w->cfg.mask4 = 0xffffffffu;
	w->cfg.mask6[0] = w->cfg.mask6[1] = 0xffffffffu; /* /64 */
	w->cfg.nrules = 2;
	/* default: 10/s burst 5; http: 10/s burst 3, boxes 30 s; office:
	 * 100/s burst 50 */
	set_limit(&w->cfg.rules[0].limit[FG_DIM_PACKETS], 10, 5);
	set_limit(&w->cfg.rules[HTTP].limit[FG_DIM_PACKETS], 10, 3);
	w->cfg.rules[HTTP].id = HTTP_ID;
	w->cfg.rules[HTTP].block_ns = 30 * S;
	set_limit(&w->cfg.rules[OFFICE].limit[FG_DIM_PACKETS], 100, 50);
	w->cfg.rules[OFFICE].id = OFFICE_ID;
	/* port 443/tcp is group 1 -> http; class office -> office on
	 * every group */
	w->match->ports[443].group[FG_PCLASS_TCP] = 1;
	w->match->table.slot[1][0][0] = HTTP;
	w->match->table.slot[0][CLASS_OFFICE][0] = OFFICE;
	w->match->table.slot[1][CLASS_OFFICE][0] = OFFICE;
	strcpy(w->meta.rule_names[0], "default");
	strcpy(w->meta.rule_names[HTTP], "http");
	strcpy(w->meta.rule_names[OFFICE], "office");
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	free(w->match);
	free(w);
	return 0;
}

static void run(struct world *w, const char *addr, unsigned int pclass,
		__u16 port, struct fg_explain *e)
{
	struct fg_explain_query q = {
	    .pclass = pclass, .port = port, .len = FG_EXPLAIN_LEN_DEFAULT};
	const struct fg_explain_state s = {
	    .ctl = &w->ctl,
	    .cfg = &w->cfg,
	    .meta = &w->meta,
	    .match = w->match,
	    .now = NOW,
	    .rd = {.arg = w,
		   .list = fake_list,
		   .dest_set = fake_dest_set,
		   .source = fake_source,
		   .blocked = fake_blocked,
		   .fleet_blocked = fake_fleet_blocked,
		   .admit = fake_admit},
	};

	cidr(addr, &q.src);
	fg_explain_run(&s, &q, e);
}

static void add_list(struct world *w, const char *prefix, __u32 value)
{
	cidr(prefix, &w->list_prefix[w->nlist]);
	w->list_value[w->nlist++] = value;
}

/* A known source of rule slot `slot` whose packets TAT is `tat`. */
static struct fg_src_key *add_source(struct world *w, const char *addr,
				     __u32 slot, __u64 tat)
{
	struct fg_cidr c;
	struct fg_src_key *k = &w->src_key[w->nsrc];

	cidr(addr, &c);
	memcpy(k->addr, c.addr, sizeof(k->addr));
	k->rule_id = w->cfg.rules[slot].id;
	w->src_state[w->nsrc++].tat[FG_DIM_PACKETS] = tat;
	return k;
}

/* Tokens left and the wait agree with what fg_gcra_conforms says of a
 * run of back-to-back packets: exactly `tokens` pass, and the next one
 * passes after `wait_ns`, not a nanosecond sooner. */
static void test_bucket_matches_gcra(void **state)
{
	struct fg_limit lim;
	struct fg_explain_dim d;
	__u64 cost, tats[] = {0,
			      NOW - 5 * S,
			      NOW,
			      NOW + 50 * MS,
			      NOW + 123 * MS,
			      NOW + 250 * MS,
			      NOW + 299 * MS,
			      NOW + 300 * MS,
			      NOW + 450 * MS};

	(void)state;
	set_limit(&lim, 10, 3);
	cost = fg_gcra_cost(&lim, 1);
	for (size_t i = 0; i < sizeof(tats) / sizeof(tats[0]); i++) {
		__u64 tat = tats[i], next, passed = 0;

		fg_explain_bucket(&lim, tat, NOW, cost, &d);
		assert_true(d.limited);
		assert_int_equal(d.burst, 3);
		while (
		    passed < 10 &&
		    fg_gcra_conforms(tat, NOW, cost, lim.tolerance_ns, &next)) {
			tat = next;
			passed++;
		}
		assert_int_equal(d.tokens, passed);
		assert_int_equal(d.conforms, passed > 0);
		if (passed) {
			assert_int_equal(d.wait_ns, 0);
			continue;
		}
		assert_true(d.wait_ns > 0);
		assert_false(fg_gcra_conforms(tat, NOW + d.wait_ns - 1, cost,
					      lim.tolerance_ns, &next));
		assert_true(fg_gcra_conforms(tat, NOW + d.wait_ns, cost,
					     lim.tolerance_ns, &next));
	}
	/* unlimited: nothing to report */
	memset(&lim, 0, sizeof(lim));
	fg_explain_bucket(&lim, 0, NOW, 0, &d);
	assert_false(d.limited);
}

static void test_disabled_passes(void **state)
{
	struct world *w = *state;
	struct fg_explain e;

	w->ctl.enabled = 0;
	add_list(w, "192.0.2.0/24", FG_LIST_DENY | FG_LIST_DENY << 28);
	run(w, "192.0.2.7", FG_PCLASS_TCP, 80, &e);
	assert_int_equal(e.stop, FG_EXPLAIN_STOP_DISABLED);
	assert_int_equal(e.action, FG_ACTION_PASS);
	assert_int_equal(e.reason, FG_REASON_DISABLED);
}

static void test_lists(void **state)
{
	struct world *w = *state;
	struct fg_explain e;
	char buf[64];

	add_list(w, "192.0.2.0/24",
		 FG_LIST_DENY | (__u32)FG_LIST_DENY
				    << FG_LIST_EFF_ACTION_SHIFT);
	add_list(w, "192.0.2.128/25",
		 FG_LIST_ALLOW | FG_LIST_FROM_CLI |
		     (__u32)FG_LIST_ALLOW << FG_LIST_EFF_ACTION_SHIFT);
	/* a class inside the deny prefix is still denied */
	add_list(w, "192.0.2.64/26",
		 CLASS_OFFICE << FG_LIST_CLASS_SHIFT |
		     CLASS_OFFICE << FG_LIST_EFF_CLASS_SHIFT |
		     (__u32)FG_LIST_DENY << FG_LIST_EFF_ACTION_SHIFT);

	run(w, "192.0.2.7", FG_PCLASS_TCP, 80, &e);
	assert_int_equal(e.stop, FG_EXPLAIN_STOP_LISTED);
	assert_int_equal(e.action, FG_ACTION_DROP);
	assert_int_equal(e.reason, FG_REASON_DENY_LIST);
	fg_format_cidr(&e.list_prefix, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.0/24");

	run(w, "192.0.2.200", FG_PCLASS_TCP, 80, &e);
	assert_int_equal(e.action, FG_ACTION_PASS);
	assert_int_equal(e.reason, FG_REASON_ALLOW_LIST);
	assert_true(e.list_value & FG_LIST_FROM_CLI);
	fg_format_cidr(&e.list_prefix, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.128/25");

	run(w, "192.0.2.70", FG_PCLASS_TCP, 80, &e);
	assert_int_equal(e.reason, FG_REASON_DENY_LIST);
	assert_int_equal(e.eff_class, CLASS_OFFICE);
	assert_int_equal(e.list_value & FG_LIST_ACTION_MASK, 0);

	/* not listed: the whole path */
	run(w, "198.51.100.7", FG_PCLASS_TCP, 80, &e);
	assert_false(e.listed);
	assert_int_equal(e.stop, FG_EXPLAIN_STOP_NONE);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);
}

/* The class picks the rule only when the config says rules depend on
 * it (class_rules), as the datapath looks it up only then. */
static void test_class_picks_rule(void **state)
{
	struct world *w = *state;
	struct fg_explain e;

	add_list(w, "203.0.113.0/24",
		 CLASS_OFFICE << FG_LIST_CLASS_SHIFT |
		     CLASS_OFFICE << FG_LIST_EFF_CLASS_SHIFT);
	run(w, "203.0.113.9", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.class_id, 0);
	assert_int_equal(e.rule_slot, HTTP);

	w->cfg.class_rules = 1;
	run(w, "203.0.113.9", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.class_id, CLASS_OFFICE);
	assert_int_equal(e.rule_slot, OFFICE);
	assert_int_equal(e.key.rule_id, OFFICE_ID);
	assert_int_equal(e.dim[FG_DIM_PACKETS].tokens, 50);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);
	/* UDP 443 is not in http's port group */
	w->cfg.class_rules = 0;
	run(w, "203.0.113.9", FG_PCLASS_UDP, 443, &e);
	assert_int_equal(e.rule_slot, FG_RULE_DEFAULT);
}

static void test_destination_set(void **state)
{
	struct world *w = *state;
	struct fg_explain e;

	w->match->table.slot[0][0][2] = HTTP;
	w->dest_set = 2;
	run(w, "198.51.100.7", FG_PCLASS_TCP, 80, &e);
	assert_int_equal(e.rule_slot, FG_RULE_DEFAULT); /* no has_dests */
	w->cfg.has_dests = 1;
	{
		struct fg_explain_query q = {.pclass = FG_PCLASS_TCP,
					     .port = 80,
					     .has_dst = true,
					     .len = 64};
		const struct fg_explain_state s = {
		    .ctl = &w->ctl,
		    .cfg = &w->cfg,
		    .meta = &w->meta,
		    .match = w->match,
		    .now = NOW,
		    .rd = {.arg = w, .dest_set = fake_dest_set}};

		cidr("198.51.100.7", &q.src);
		fg_explain_run(&s, &q, &e);
		assert_int_equal(e.dest_set, 2);
		assert_int_equal(e.rule_slot, HTTP);
		q.has_dst = false;
		fg_explain_run(&s, &q, &e);
		assert_int_equal(e.dest_set, 0);
		assert_int_equal(e.rule_slot, FG_RULE_DEFAULT);
	}
}

static void test_over_limit_drops_and_boxes(void **state)
{
	struct world *w = *state;
	struct fg_explain e;

	/* burst of 3 spent: TAT 300 ms ahead */
	add_source(w, "198.51.100.7", HTTP, NOW + 300 * MS);
	run(w, "198.51.100.7", FG_PCLASS_TCP, 443, &e);
	assert_true(e.known);
	assert_int_equal(e.dim[FG_DIM_PACKETS].tokens, 0);
	assert_int_equal(e.dim[FG_DIM_PACKETS].wait_ns, 100 * MS);
	assert_int_equal(e.action, FG_ACTION_DROP);
	assert_int_equal(e.reason, FG_REASON_RATE_PACKETS);
	assert_true(e.would_box);
	assert_int_equal(e.box_ns, 30 * S);

	/* the rule in shadow mode passes it as dry_run */
	w->cfg.rules[HTTP].dry_run = 1;
	run(w, "198.51.100.7", FG_PCLASS_TCP, 443, &e);
	assert_true(e.rule_dry_run);
	assert_int_equal(e.action, FG_ACTION_PASS);
	assert_int_equal(e.reason, FG_REASON_DRY_RUN);
	assert_false(e.would_box);
	w->cfg.rules[HTTP].dry_run = 0;
	w->ctl.dry_run = 1;
	run(w, "198.51.100.7", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.reason, FG_REASON_DRY_RUN);
	w->ctl.dry_run = 0;

	/* one token back after 100 ms: under the limit, 1 left */
	w->src_state[0].tat[FG_DIM_PACKETS] = NOW + 200 * MS;
	run(w, "198.51.100.7", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.dim[FG_DIM_PACKETS].tokens, 1);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);
	assert_int_equal(e.action, FG_ACTION_PASS);

	/* the same address on port 80 is another key (rule default): fresh */
	run(w, "198.51.100.7", FG_PCLASS_TCP, 80, &e);
	assert_false(e.known);
	assert_int_equal(e.dim[FG_DIM_PACKETS].tokens, 5);
}

static void test_penalty_box(void **state)
{
	struct world *w = *state;
	struct fg_explain e;
	struct fg_src_key *k;

	k = add_source(w, "198.51.100.9", HTTP, 0);
	w->box_key[0] = *k;
	w->box[0].until_ns = NOW + 12 * S;
	w->box[0].rule_slot = HTTP;
	w->nbox = 1;
	/* the daemon cleared block_active: the datapath does not look */
	run(w, "198.51.100.9", FG_PCLASS_TCP, 443, &e);
	assert_true(e.box_rule.found);
	assert_false(e.box_rule.checked);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);

	w->ctl.block_active = 1;
	run(w, "198.51.100.9", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.action, FG_ACTION_DROP);
	assert_int_equal(e.reason, FG_REASON_BLOCKED);
	assert_int_equal(e.box_rule.left_ns, 12 * S);
	assert_false(e.would_box);
	/* dry-run, global or the rule's, passes a boxed source */
	w->ctl.dry_run = 1;
	run(w, "198.51.100.9", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.action, FG_ACTION_PASS);
	assert_int_equal(e.reason, FG_REASON_DRY_RUN);
	w->ctl.dry_run = 0;
	w->cfg.rules[HTTP].dry_run = 1;
	run(w, "198.51.100.9", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.action, FG_ACTION_PASS);
	assert_int_equal(e.reason, FG_REASON_DRY_RUN);
	w->cfg.rules[HTTP].dry_run = 0;
	/* rule-scoped: port 80 (rule default) is not boxed */
	run(w, "198.51.100.9", FG_PCLASS_TCP, 80, &e);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);

	/* expired entries hold nothing */
	w->box[0].until_ns = NOW;
	run(w, "198.51.100.9", FG_PCLASS_TCP, 443, &e);
	assert_false(e.box_rule.found);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);

	/* source-scoped: every rule, once block_source_active is set */
	w->box_key[0].rule_id = FG_RULE_ID_ANY;
	w->box[0].until_ns = NOW + 5 * S;
	run(w, "198.51.100.9", FG_PCLASS_TCP, 80, &e);
	assert_true(e.box_source.found);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);
	w->ctl.block_source_active = 1;
	run(w, "198.51.100.9", FG_PCLASS_TCP, 80, &e);
	assert_int_equal(e.reason, FG_REASON_BLOCKED);
	assert_int_equal(e.box_source.left_ns, 5 * S);
}

static void test_fleet_block(void **state)
{
	struct world *w = *state;
	struct fg_explain e;
	struct fg_cidr c;

	cidr("198.51.100.5", &c);
	memcpy(w->fleet_key.addr, c.addr, 16);
	w->fleet_key.rule_id = HTTP_ID;
	w->fleet.until_ns = NOW + 7 * S;
	w->has_fleet = true;
	w->ctl.fleet_block_active = 1;
	run(w, "198.51.100.5", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT); /* rule not fleet */
	w->cfg.rules[HTTP].fleet = 1;
	run(w, "198.51.100.5", FG_PCLASS_TCP, 443, &e);
	assert_int_equal(e.action, FG_ACTION_DROP);
	assert_int_equal(e.reason, FG_REASON_FLEET_LIMIT);
	assert_int_equal(e.fleet.left_ns, 7 * S);
	assert_false(e.would_box); /* the fleet's verdict: no box */
}

static void test_admission(void **state)
{
	struct world *w = *state;
	struct fg_explain e;

	set_limit(&w->cfg.admit, 1000, 100);
	w->admit_tat = NOW + 100 * MS; /* spent */
	run(w, "198.51.100.20", FG_PCLASS_TCP, 443, &e);
	assert_false(e.known);
	assert_true(e.admit_refuses);
	assert_int_equal(e.action, FG_ACTION_DROP);
	assert_int_equal(e.reason, FG_REASON_RATE_NEW_SOURCES);
	assert_false(e.would_box);
	/* a known source does not need admission */
	add_source(w, "198.51.100.20", HTTP, 0);
	run(w, "198.51.100.20", FG_PCLASS_TCP, 443, &e);
	assert_false(e.admit_refuses);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);
	w->admit_tat = 0;
	run(w, "198.51.100.21", FG_PCLASS_TCP, 443, &e);
	assert_false(e.admit_refuses);
	assert_int_equal(e.reason, FG_REASON_UNDER_LIMIT);
}

/* The key is the table prefix: an IPv6 /64, IPv4 /24 when so set. */
static void test_key_masked(void **state)
{
	struct world *w = *state;
	struct fg_explain e;
	char buf[80];

	run(w, "2001:db8:1:2:3:4:5:6", FG_PCLASS_UDP, 53, &e);
	fg_format_source((const __u8 *)e.key.addr, 32, 64, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:1:2::/64");
	w->cfg.mask4 = htonl(0xffffff00u);
	run(w, "192.0.2.77", FG_PCLASS_ICMP, 0, &e);
	fg_format_source((const __u8 *)e.key.addr, 24, 64, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.0/24");
	/* ICMP opens no connection: that dimension is not charged */
	set_limit(&w->cfg.rules[0].limit[FG_DIM_CONNECTIONS], 1, 1);
	run(w, "192.0.2.77", FG_PCLASS_ICMP, 0, &e);
	assert_true(e.dim[FG_DIM_CONNECTIONS].limited);
	assert_false(e.dim[FG_DIM_CONNECTIONS].applies);
	run(w, "192.0.2.77", FG_PCLASS_TCP, 80, &e);
	assert_true(e.dim[FG_DIM_CONNECTIONS].applies);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bucket_matches_gcra),
	    cmocka_unit_test_setup_teardown(test_disabled_passes, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_class_picks_rule, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_destination_set, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_over_limit_drops_and_boxes,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_penalty_box, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fleet_block, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_admission, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_masked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
