// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Runs the case table (cases.c) with cmocka, twice: on an object loaded
 * with the test clock, and on one loaded exactly as shipped (cases that
 * need the clock run only on the first). Run as root:
 *   CMOCKA_MESSAGE_OUTPUT=TAP build/tests/bpf_datapath
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boxexpiry.h"
#include "cases.h"
#include "chain.h"
#include "vcache.h"
#include "fixture.h"
#include "fuzz.h"
#include "pkt.h"
#include "rst.h"
#include "snapshot.h"

/* cmocka's fail_msg, with the message as a TAP diagnostic line. */
#define FAIL(fmt, ...)                                     \
	do {                                               \
		print_error("# " fmt "\n", ##__VA_ARGS__); \
		fail();                                    \
	} while (0)

static const char *stats_name(unsigned int idx, char *buf, size_t len)
{
	const char *r = fg_reason_label(idx % FG_REASON_SLOTS);

	snprintf(buf, len, "%s/%s", fg_action_label(idx / FG_REASON_SLOTS),
		 r ? r : "unnamed");
	return buf;
}

/* Appends to a message buffer. */
static void addf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static bool counter_moved(const struct fg_counter *before,
			  const struct fg_counter *after, __u64 packets,
			  __u64 bytes)
{
	return after->packets - before->packets != packets ||
	       after->bytes - before->bytes != bytes;
}

/* Exactly one (action, reason) counter and at most one (rule, action)
 * counter moved, by one packet of `len` bytes. Returns false and says
 * what moved otherwise. */
static bool check_counters(const struct fx_counters *before,
			   const struct fx_counters *after,
			   const struct step *st, size_t len, char *msg,
			   size_t msglen)
{
	unsigned int want = st->action * FG_REASON_SLOTS + st->reason;
	int want_rule = st->rule >= 0 ? st->rule * FG_RULE_ACTIONS +
					    (st->reason == FG_REASON_DRY_RUN
						 ? FG_RULE_ACTION_DRY_RUN
						 : (int)st->action)
				      : -1;
	bool ok = true;
	char name[48];

	for (unsigned int i = 0; i < FG_STATS_ENTRIES; i++) {
		const struct fg_counter *b = &before->stats[i],
					*a = &after->stats[i];
		bool wanted = i == want;

		if (!counter_moved(b, a, wanted, wanted ? len : 0))
			continue;
		ok = false;
		addf(msg, msglen,
		     " counter %s moved +%llu packets +%llu bytes "
		     "(expected +%d/+%zu);",
		     stats_name(i, name, sizeof(name)),
		     (unsigned long long)(a->packets - b->packets),
		     (unsigned long long)(a->bytes - b->bytes), wanted,
		     wanted ? len : 0);
	}
	for (int i = 0; i < FG_RULE_STATS_ENTRIES; i++) {
		const struct fg_counter *b = &before->rules[i],
					*a = &after->rules[i];
		bool wanted = i == want_rule;

		if (!counter_moved(b, a, wanted, wanted ? len : 0))
			continue;
		ok = false;
		addf(msg, msglen,
		     " rule counter slot %d/%s moved +%llu packets "
		     "(expected +%d);",
		     i / FG_RULE_ACTIONS,
		     fg_rule_action_label(i % FG_RULE_ACTIONS),
		     (unsigned long long)(a->packets - b->packets), wanted);
	}
	return ok;
}

static struct fg_class_entry class_entries[16];

static void settings_from_def(const struct cfg_def *d, struct fg_settings *s,
			      struct fg_cidr *allow, struct fg_cidr *deny)
{
	fx_settings_init(s);
	s->defaults[FG_DIM_PACKETS] = d->packets;
	s->defaults[FG_DIM_BYTES] = d->bytes;
	s->defaults[FG_DIM_CONNECTIONS] = d->conns;
	if (d->ipv4_prefix)
		s->ipv4_prefix = d->ipv4_prefix;
	if (d->ipv6_prefix)
		s->ipv6_prefix = d->ipv6_prefix;
	s->malformed_drop = d->malformed_drop;
	s->dry_run = d->dry_run;
	s->enabled = !d->disabled;

	for (int i = 0; i < CASE_MAX_RULES && d->rules[i].name; i++) {
		const struct rule_def *rd = &d->rules[i];
		struct fg_rule_spec *r = &s->rules[s->nrules++];

		snprintf(r->name, sizeof(r->name), "%s", rd->name);
		r->protocol = rd->proto;
		for (int p = 0; p < 4 && rd->ports[p].last; p++)
			r->ports[r->nports++] = rd->ports[p];
		r->dim[FG_DIM_PACKETS] = rd->packets;
		r->dim[FG_DIM_BYTES] = rd->bytes;
		r->dim[FG_DIM_CONNECTIONS] = rd->conns;
		r->block_ns = rd->block_ns;
		r->block_scope = rd->block_scope;
		r->block_factor = rd->block_factor;
		r->block_max_ns = rd->block_max_ns;
		r->block_window_ns = rd->block_window_ns;
		r->action = rd->action;
		r->aggregate = rd->agg;
		/* Any fleet rate turns it on; its value is the daemon's. */
		r->has_fleet = rd->fleet;
		if (rd->fleet)
			r->fleet[FG_DIM_PACKETS] =
			    (struct fg_dim_limit)PER_SEC(100, 10);
		r->dry_run = rd->dry_run;
		for (int k = 0; k < 4 && rd->dests[k]; k++)
			if (fx_cidr(rd->dests[k], &r->dests[r->ndests++]))
				FAIL("bad CIDR in the case: %s", rd->dests[k]);
		for (int k = 0; k < 4 && rd->sources[k]; k++)
			for (int c = 0; c < 4 && d->classes[c].name; c++)
				if (!strcmp(d->classes[c].name, rd->sources[k]))
					r->sources |= 1u << (c + 1);
	}
	s->nclass_entries = 0;
	s->class_entries = class_entries;
	for (int c = 0; c < 4 && d->classes[c].name; c++) {
		const struct class_def *cd = &d->classes[c];

		s->nclasses++;
		snprintf(s->classes[c].name, sizeof(s->classes[c].name), "%s",
			 cd->name);
		s->classes[c].limits_scale =
		    cd->scale ? cd->scale : FG_SCALE_ONE;
		for (int k = 0; k < 4 && cd->cidrs[k]; k++) {
			struct fg_class_entry *e =
			    &class_entries[s->nclass_entries++];

			if (fx_cidr(cd->cidrs[k], &e->cidr))
				FAIL("bad CIDR in the case: %s", cd->cidrs[k]);
			e->class_id = (unsigned int)c + 1;
		}
	}
	if (d->redis)
		snprintf(s->fleet.redis, sizeof(s->fleet.redis), "%s",
			 d->redis);
	s->admit = d->admit;
	for (int i = 0; i < CASE_MAX_LIST && d->allow[i]; i++) {
		if (fx_cidr(d->allow[i], &allow[s->nallow++]))
			FAIL("bad CIDR in the case: %s", d->allow[i]);
	}
	for (int i = 0; i < CASE_MAX_LIST && d->deny[i]; i++) {
		if (fx_cidr(d->deny[i], &deny[s->ndeny++]))
			FAIL("bad CIDR in the case: %s", d->deny[i]);
	}
	s->allow = allow;
	s->deny = deny;
}

/* Static: cmocka leaves a failing test by longjmp, nothing to free. */
static struct fg_settings settings;
static struct fg_cidr allow[CASE_MAX_LIST], deny[CASE_MAX_LIST];
static struct fx_counters before, after;
static struct pkt base, pkt;
static __u8 out_frame[PKT_MAX];

/* A bare address of the case as the 16-byte (mapped) form. */
static void case_addr(const char *text, __u8 addr[16])
{
	struct fg_cidr c;

	if (fx_cidr(text, &c))
		FAIL("bad address in the case: %s", text);
	memcpy(addr, c.addr, 16);
}

static bool flag_value(enum flag f)
{
	return f == FLAG_1;
}

/* Fills fg_blocked with addresses no case sends from (2001:db8:ffff::/48)
 * until the map refuses one: a full penalty box. */
static void fill_blocked(struct fx *fx, int n)
{
	struct fg_block b = {.until_ns = ~0ULL, .rule_slot = 0};
	__u8 addr[16];
	long i;

	case_addr("2001:db8:ffff::", addr);
	for (i = 0; i <= FG_MAX_BLOCKED; i++) {
		int err;

		addr[12] = (__u8)(i >> 24);
		addr[13] = (__u8)(i >> 16);
		addr[14] = (__u8)(i >> 8);
		addr[15] = (__u8)i;
		err = fx_blocked_put(fx, addr, FG_RULE_ID_DEFAULT, &b);
		if (err == -E2BIG)
			break;
		if (err)
			FAIL("step %d: filling fg_blocked: %s", n,
			     strerror(-err));
	}
	if (fx_blocked_count(fx) != FG_MAX_BLOCKED)
		FAIL("step %d: fg_blocked holds %ld after filling, not %d", n,
		     fx_blocked_count(fx), FG_MAX_BLOCKED);
}

/* The fg_blocked key's rule id of a case's entry. */
static __u32 block_rule_id(struct fx *fx, const struct block_def *d)
{
	if (d->source_scope)
		return FG_RULE_ID_ANY;
	return fx->compiled.cfg->rules[d->rule].id;
}

static void step_before(struct fx *fx, const struct step *st, int n)
{
	if (st->advance_ns) {
		if (!fx->test_clock)
			FAIL("step %d moves the clock: test-clock only", n);
		fx_clock_advance(fx, st->advance_ns);
	}
	if (st->put_block.addr) {
		struct fg_block b = {
		    .until_ns = fx_clock_now(fx) + st->put_block.until_ns,
		    .rule_slot = (__u32)st->put_block.rule,
		    .strikes = st->put_block.strikes,
		};
		__u8 addr[16];
		int err;

		if (!fx->test_clock)
			FAIL("step %d puts a block: test-clock only", n);
		case_addr(st->put_block.addr, addr);
		err = fx_blocked_put(fx, addr,
				     block_rule_id(fx, &st->put_block), &b);
		if (err)
			FAIL("step %d: putting %s into fg_blocked: %s", n,
			     st->put_block.addr, strerror(-err));
	}
	if (st->put_fleet_block.addr) {
		struct fg_block b = {
		    .until_ns = fx_clock_now(fx) + st->put_fleet_block.until_ns,
		    .rule_slot = (__u32)st->put_fleet_block.rule,
		};
		__u8 addr[16];
		int err;

		if (!fx->test_clock)
			FAIL("step %d puts a fleet block: test-clock only", n);
		case_addr(st->put_fleet_block.addr, addr);
		err = fx_fleet_block_put(
		    fx, addr, block_rule_id(fx, &st->put_fleet_block), &b);
		if (err)
			FAIL("step %d: putting %s into fg_fleet_blocked: %s", n,
			     st->put_fleet_block.addr, strerror(-err));
	}
	if (st->set_fleet_block_active != FLAG_ANY)
		fx->maps.ctl_mem->fleet_block_active =
		    flag_value(st->set_fleet_block_active);
	if (st->fill_blocked)
		fill_blocked(fx, n);
	if (st->set_block_active != FLAG_ANY)
		fx->maps.ctl_mem->block_active =
		    flag_value(st->set_block_active);
	if (st->set_block_source_active != FLAG_ANY)
		fx->maps.ctl_mem->block_source_active =
		    flag_value(st->set_block_source_active);
	/* Flags written behind the daemon's back, as a daemon never would
	 * while a box runs: cached drops must not outlive them. */
	if (st->set_block_active != FLAG_ANY ||
	    st->set_block_source_active != FLAG_ANY ||
	    st->set_fleet_block_active != FLAG_ANY)
		fg_maps_verdicts_changed(&fx->maps);
	if (st->expire_box) {
		long live;

		if (!fx->test_clock)
			FAIL("step %d expires the box: test-clock only", n);
		fg_box_expire(&fx->maps, fx_clock_now(fx), &live);
	}
}

static void check_table(struct fx *fx, const struct step *st, int n,
			const __u64 *was)
{
	__u64 now[FG_TABLE_EVENTS];
	char msg[512] = "";
	int err = fx_table_stats(fx, now);

	if (err)
		FAIL("step %d: reading fg_table_stats: %s", n, strerror(-err));
	for (int i = 0; i < FG_TABLE_EVENTS; i++) {
		if (now[i] - was[i] != st->table[i])
			addf(msg, sizeof(msg), " %s +%llu (expected +%llu);",
			     fg_table_event_label(i) ? fg_table_event_label(i)
						     : "unused",
			     (unsigned long long)(now[i] - was[i]),
			     (unsigned long long)st->table[i]);
	}
	if (msg[0])
		FAIL("step %d: fg_table_stats:%s", n, msg);
}

static void check_fleet_counts(struct fx *fx, const struct step *st, int n)
{
	const struct fleet_count_def *want = &st->fleet_count;
	struct fg_fleet_count c;
	__u8 addr[16];

	if (want->addr) {
		case_addr(want->addr, addr);
		if (fx_fleet_count_get(
			fx, addr, fx->compiled.cfg->rules[want->rule].id, &c))
			FAIL("step %d: %s rule %d not in fg_fleet_counts", n,
			     want->addr, want->rule);
		if (c.packets != want->packets || c.bytes != want->bytes ||
		    c.connections != want->connections)
			FAIL("step %d: fg_fleet_counts[%s, rule %d] = {%llu "
			     "packets, %llu bytes, %llu connections}, expected "
			     "{%llu, %llu, %llu}",
			     n, want->addr, want->rule,
			     (unsigned long long)c.packets,
			     (unsigned long long)c.bytes,
			     (unsigned long long)c.connections,
			     (unsigned long long)want->packets,
			     (unsigned long long)want->bytes,
			     (unsigned long long)want->connections);
	}
	if (st->no_fleet_count) {
		case_addr(st->no_fleet_count, addr);
		if (fx_fleet_counts_addr(fx, addr))
			FAIL("step %d: %s has %ld entries in fg_fleet_counts, "
			     "expected none",
			     n, st->no_fleet_count,
			     fx_fleet_counts_addr(fx, addr));
	}
	if (st->check_fleet_counts &&
	    fx_fleet_counts_addr(fx, NULL) != st->nfleet_counts)
		FAIL("step %d: %ld entries in fg_fleet_counts, expected %ld", n,
		     fx_fleet_counts_addr(fx, NULL), st->nfleet_counts);
}

static void step_after(struct fx *fx, const struct step *st, int n)
{
	struct fg_block b;
	__u8 addr[16];

	if (st->check_sources) {
		long got = fx_sources(fx), stale;

		if (got != st->sources)
			FAIL("step %d: %ld entries in fg_sources, expected "
			     "%ld",
			     n, got, st->sources);
		/* Entries are made after the source passed the lists: they
		 * carry the lists generation, so its next packet skips the
		 * LPM lookup. */
		stale = fx_sources_stale_gen(fx);
		if (stale)
			FAIL("step %d: %ld fg_sources entries without the "
			     "current lists generation",
			     n, stale);
	}
	if (st->blocked.addr) {
		__u64 until = fx_clock_now(fx) + st->blocked.until_ns;

		case_addr(st->blocked.addr, addr);
		if (fx_blocked_get(fx, addr, block_rule_id(fx, &st->blocked),
				   &b))
			FAIL("step %d: %s not in fg_blocked (%s scope)", n,
			     st->blocked.addr,
			     st->blocked.source_scope ? "source" : "rule");
		if (b.until_ns != until ||
		    b.rule_slot != (__u32)st->blocked.rule ||
		    b.strikes != st->blocked.strikes)
			FAIL("step %d: fg_blocked[%s] = {until now%+lld ns, "
			     "rule %u, strikes %u}, expected {until now%+lld "
			     "ns, rule %d, strikes %u}",
			     n, st->blocked.addr,
			     (long long)(b.until_ns - fx_clock_now(fx)),
			     b.rule_slot, b.strikes,
			     (long long)st->blocked.until_ns, st->blocked.rule,
			     st->blocked.strikes);
	}
	if (st->not_blocked) {
		case_addr(st->not_blocked, addr);
		if (fx_blocked_count_addr(fx, addr))
			FAIL("step %d: %s has %ld entries in fg_blocked, "
			     "expected none",
			     n, st->not_blocked,
			     fx_blocked_count_addr(fx, addr));
	}
	if (st->check_blocked && fx_blocked_count(fx) != st->nblocked)
		FAIL("step %d: %ld entries in fg_blocked, expected %ld", n,
		     fx_blocked_count(fx), st->nblocked);
	if (st->block_active != FLAG_ANY &&
	    fx->maps.ctl_mem->block_active != flag_value(st->block_active))
		FAIL("step %d: fg_ctl.block_active %u, expected %d", n,
		     fx->maps.ctl_mem->block_active,
		     flag_value(st->block_active));
	if (st->block_source_active != FLAG_ANY &&
	    fx->maps.ctl_mem->block_source_active !=
		flag_value(st->block_source_active))
		FAIL("step %d: fg_ctl.block_source_active %u, expected %d", n,
		     fx->maps.ctl_mem->block_source_active,
		     flag_value(st->block_source_active));
	check_fleet_counts(fx, st, n);
}

/* The output frame: a RST for XDP_TX, else the input unchanged. */
static void check_output(const struct step *st, const struct fx_run *run,
			 char *msg, size_t msglen)
{
	char why[160];

	if (pkt.len < ETH_HLEN)
		return; /* runts run without an output buffer */
	if (run->retval == XDP_TX) {
		if (st->check_rst && !rst_check(pkt.data, pkt.len, out_frame,
						run->out_len, why, sizeof(why)))
			addf(msg, msglen, " RST: %s;", why);
		return;
	}
	if (run->out_len != pkt.len || memcmp(out_frame, pkt.data, pkt.len))
		addf(msg, msglen, " frame changed (%u bytes out);",
		     run->out_len);
}

static void run_step(struct fx *fx, const struct step *st, int n)
{
	unsigned int times = st->times ? st->times : 1;
	__u64 table_was[FG_TABLE_EVENTS] = {0};
	const char *why;
	char msg[1024];

	if (pkt_build(&st->pkt, &base, &why))
		FAIL("step %d: bad packet spec: %s", n, why);
	step_before(fx, st, n);
	if (st->check_table && fx_table_stats(fx, table_was))
		FAIL("step %d: reading fg_table_stats", n);

	for (unsigned int i = 1; i <= times; i++) {
		struct fx_run run = {.repeat = 1,
				     .out = out_frame,
				     .out_size = sizeof(out_frame)};
		int err;

		pkt = base;
		if (st->spread &&
		    pkt_src_add(&pkt, &st->pkt,
				(i - 1) % st->spread *
				    (st->spread_step ? st->spread_step : 1)))
			FAIL("step %d: spread needs an IP source", n);
		err = fx_run(fx, pkt.data, pkt.len, &run);
		if (err)
			FAIL("step %d run %u: BPF_PROG_TEST_RUN: %s", n, i,
			     strerror(-err));
		err = fx_read_counters(fx, &after);
		if (err)
			FAIL("reading counters: %s", strerror(-err));

		msg[0] = '\0';
		if (run.retval != (__u32)st->verdict)
			addf(msg, sizeof(msg), " verdict %s, expected %s;",
			     fx_xdp_name(run.retval), fx_xdp_name(st->verdict));
		check_counters(&before, &after, st, pkt.len, msg, sizeof(msg));
		check_output(st, &run, msg, sizeof(msg));
		if (msg[0])
			FAIL("step %d run %u of %u (%zu-byte frame, expected "
			     "%s/%s, rule %d):%s",
			     n, i, times, pkt.len, fg_action_label(st->action),
			     fg_reason_label(st->reason), st->rule, msg);
		before = after;
	}
	if (st->check_table)
		check_table(fx, st, n, table_was);
	step_after(fx, st, n);
}

static void run_case(struct fx *fx, const struct fg_case *c)
{
	char err[256] = "";
	int rc;

	if (fx->err)
		FAIL("%s", fx->errmsg);
	rc = fx_reset(fx);
	if (rc)
		FAIL("resetting maps: %s", strerror(-rc));
	settings_from_def(c->cfg, &settings, allow, deny);
	rc = fx_configure(fx, &settings, err, sizeof(err));
	if (rc)
		FAIL("configuring: %s", err);
	rc = fx_read_counters(fx, &before);
	if (rc)
		FAIL("reading counters: %s", strerror(-rc));

	for (int i = 0; i < CASE_MAX_STEPS && c->steps[i].verdict; i++)
		run_step(fx, &c->steps[i], i + 1);
}

struct job {
	struct fx *fx;
	const struct fg_case *c;
};

static void test_case(void **state)
{
	struct job *j = *state;

	run_case(j->fx, j->c);
}

/* One test per (object, case); the production object skips the cases
 * that need the clock. Returns the number of tests, or -1. */
static long add_tests(struct fx *fx, struct CMUnitTest *tests, struct job *jobs,
		      size_t n)
{
	for (size_t i = 0; i < fg_ncases; i++) {
		char *name;

		if (!fx->test_clock && case_needs_clock(&fg_cases[i]))
			continue;
		if (asprintf(&name, "%s: %s", fx->label, fg_cases[i].name) < 0)
			return -1;
		jobs[n] = (struct job){fx, &fg_cases[i]};
		tests[n] = (struct CMUnitTest){
		    .name = name,
		    .test_func = test_case,
		    .initial_state = &jobs[n],
		};
		n++;
	}
	return (long)n;
}

/* The fuzzer's tests, on the test-clock object (deterministic time). */
static long add_fuzz_tests(struct fx *fx, struct CMUnitTest *tests, size_t n)
{
	static const struct {
		const char *name;
		CMUnitTestFunction fn;
	} fuzz[] = {
	    {"fuzz: no lists, unlimited: nothing dropped, parse as "
	     "modelled, one counter per packet",
	     fuzz_test_open},
	    {"fuzz: random limits, lists, reset, block, admission: valid "
	     "verdicts, one counter per packet, not_ip passes",
	     fuzz_test_limited},
	};

	for (size_t i = 0; i < sizeof(fuzz) / sizeof(fuzz[0]); i++) {
		char *name;

		if (asprintf(&name, "%s: %s", fx->label, fuzz[i].name) < 0)
			return -1;
		tests[n] = (struct CMUnitTest){
		    .name = name,
		    .test_func = fuzz[i].fn,
		    .initial_state = fx,
		};
		n++;
	}
	return (long)n;
}

/* The chain slot's tests, on the test-clock object. */
static long add_chain_tests(struct fx *fx, struct CMUnitTest *tests, size_t n)
{
	static const struct {
		const char *name;
		CMUnitTestFunction fn;
	} chain[CHAIN_TESTS] = {
	    {"chain: passes are handed on, drops never",
	     chain_test_passes_only},
	    {"chain: every pass reason is handed on (allow, not_ip, dry_run, "
	     "disabled), deny is not",
	     chain_test_every_pass_reason},
	    {"chain: empty slot passes, counts nothing", chain_test_empty_slot},
	    {"chain: slot filled but switched off passes",
	     chain_test_switched_off},
	    {"chain: floodgate's own program, or one on its maps, is refused",
	     chain_test_refuses_self},
	};

	for (size_t i = 0; i < CHAIN_TESTS; i++) {
		char *name;

		if (asprintf(&name, "%s: %s", fx->label, chain[i].name) < 0)
			return -1;
		tests[n] = (struct CMUnitTest){
		    .name = name,
		    .test_func = chain[i].fn,
		    .initial_state = fx,
		};
		n++;
	}
	return (long)n;
}

/* The verdict cache's tests, on the test-clock object. */
static long add_vcache_tests(struct fx *fx, struct CMUnitTest *tests, size_t n)
{
	static const struct {
		const char *name;
		CMUnitTestFunction fn;
	} vc[VCACHE_TESTS] = {
	    {"verdict cache: an over-rate drop holds exactly until the next "
	     "token; meanwhile the cache answers, counted as the full path "
	     "counts",
	     vcache_test_rate_exact},
	    {"verdict cache: a boxed source's cached drop ends when it is "
	     "unblocked",
	     vcache_test_unblock},
	    {"verdict cache: a deny-listed source's cached drop ends when the "
	     "lists change",
	     vcache_test_list_change},
	    {"verdict cache: a reload that raises the limit ends a cached drop",
	     vcache_test_reload},
	    {"verdict cache: nothing is cached in dry-run",
	     vcache_test_dry_run},
	    {"verdict cache: a drop decided under the old config while a "
	     "commit lands is not cached under the new one",
	     vcache_test_commit_straddle},
	    {"verdict cache: a drop cached under one config slot does not "
	     "answer under the other with the same generations",
	     vcache_test_slot_in_entry},
	    {"verdict cache: a boxed source's cached drop does not hold in "
	     "dry-run, global or its rule's",
	     vcache_test_box_dry_run},
	    {"verdict cache: expiring boxes whose time is up keeps the cache; "
	     "unblocking a live box ends its cached drop",
	     vcache_test_box_expiry},
	};

	for (size_t i = 0; i < VCACHE_TESTS; i++) {
		char *name;

		if (asprintf(&name, "%s: %s", fx->label, vc[i].name) < 0)
			return -1;
		tests[n] = (struct CMUnitTest){
		    .name = name,
		    .test_func = vc[i].fn,
		    .initial_state = fx,
		};
		n++;
	}
	return (long)n;
}

/* The verifier's count, against its budget of 1 000 000 (README). */
static void print_verified(const struct fx *fx)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);

	if (!fx->err && !bpf_obj_get_info_by_fd(fx->prog_fd, &info, &len))
		printf("# %s object: verified in %u instructions\n", fx->label,
		       info.verified_insns);
}

int main(void)
{
	static struct fx fx[2];
	size_t max_tests =
	    2 * fg_ncases + FUZZ_TESTS + CHAIN_TESTS + VCACHE_TESTS;
	struct CMUnitTest *tests = calloc(max_tests, sizeof(*tests));
	struct job *jobs = calloc(2 * fg_ncases, sizeof(*jobs));
	long n = -1;
	int rc = 1;

	/* Error lines (stderr) stay next to their test's result line. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	fx_open(&fx[0], "test-clock", true);
	fx_open(&fx[1], "production", false);
	for (int i = 0; i < 2; i++)
		print_verified(&fx[i]);

	if (tests && jobs)
		n = add_tests(&fx[0], tests, jobs, 0);
	if (n >= 0)
		n = add_tests(&fx[1], tests, jobs, (size_t)n);
	if (n >= 0)
		n = add_fuzz_tests(&fx[0], tests, (size_t)n);
	if (n >= 0)
		n = add_chain_tests(&fx[0], tests, (size_t)n);
	if (n >= 0)
		n = add_vcache_tests(&fx[0], tests, (size_t)n);
	if (n > 0)
		rc = _cmocka_run_group_tests("bpf_datapath", tests, (size_t)n,
					     NULL, NULL);

	for (size_t i = 0; tests && i < max_tests; i++)
		free((char *)tests[i].name);
	free(tests);
	free(jobs);
	fx_close(&fx[0]);
	fx_close(&fx[1]);
	return rc ? 1 : 0; /* cmocka counts failures; 256 would wrap */
}
