// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer: the ruleset compiler (user/lib/ruleset.c), validated
 * settings to the map images the datapath reads. The input is decoded
 * into settings the loader could have accepted (checked with
 * settings_check.h), then the compiled images are checked against the
 * settings: every port and protocol class maps to the first matching
 * rule in config order, portless packets to the first rule without
 * ports, rule ids are unique and never the default's, and every compiled
 * limit reproduces its configured rate and burst.
 */
#include <errno.h>

#include "fuzz.h"
#include "ruleset.h"
#include "settings_check.h"

#define NS_PER_S 1000000000ULL

static struct fg_settings s;
static struct fg_config cfg;
static struct fg_rule_match match;

/* A rate and burst within what the loader accepts. */
static void gen_dim(struct fuzz_in *in, struct fg_dim_limit *d, int dim)
{
	static const __u64 periods[] = {NS_PER_S, 60 * NS_PER_S,
					3600 * NS_PER_S};
	__u64 amount = fuzz_take(in, 8), min = dim == FG_DIM_BYTES ? 1518 : 1;
	unsigned __int128 max_burst;

	memset(d, 0, sizeof(*d));
	if (fuzz_take(in, 1) % 4 == 0 || !amount)
		return;
	d->rate.amount = amount >> (fuzz_take(in, 1) % 64);
	if (!d->rate.amount)
		d->rate.amount = 1;
	d->rate.per_ns = periods[fuzz_take(in, 1) % 3]
			 << (dim == FG_DIM_BYTES ? fuzz_take(in, 1) % 4 : 0);
	/* Rates the datapath holds: at least the least whole ns a unit. */
	if ((unsigned __int128)d->rate.amount * check_ns_min(dim) >
	    d->rate.per_ns)
		d->rate.amount = d->rate.per_ns / check_ns_min(dim);
	/* burst * per_ns / amount <= 2^62 */
	max_burst =
	    ((unsigned __int128)1 << 62) * d->rate.amount / d->rate.per_ns;
	if (max_burst > UINT64_MAX)
		max_burst = UINT64_MAX;
	if (max_burst < min) {
		memset(d, 0, sizeof(*d)); /* no burst fits: refused */
		return;
	}
	d->burst = min + fuzz_take(in, 8) % ((__u64)max_burst - min + 1);
}

static void gen_rule(struct fuzz_in *in, unsigned int i, struct fg_rule_spec *r)
{
	memset(r, 0, sizeof(*r));
	/* Short names from a small alphabet: collisions of names are the
	 * loader's to refuse; of their hashes, the compiler's. */
	snprintf(r->name, sizeof(r->name), "r%u-%llx", i,
		 ULL(fuzz_take(in, 2) % 4096));
	r->protocol = (enum fg_protocol)(fuzz_take(in, 1) % 4);
	if (r->protocol != FG_PROTO_ICMP) {
		r->nports =
		    (unsigned int)(fuzz_take(in, 1) % (FG_MAX_PORT_RANGES + 1));
		if (fuzz_take(in, 1) % 3 == 0)
			r->nports = 0;
	}
	for (unsigned int k = 0; k < r->nports; k++) {
		__u16 a = (__u16)fuzz_take(in, 2), span;
		unsigned int last;

		/* Mostly narrow ranges, sometimes wide ones. */
		span =
		    (__u16)(fuzz_take(in, 1) % 8 == 0 ? fuzz_take(in, 2)
						      : fuzz_take(in, 1) % 16);
		r->ports[k].first = a ? a : 1;
		last = r->ports[k].first + (unsigned int)span;
		r->ports[k].last = (__u16)(last > 65535 ? 65535 : last);
	}
	for (int d = 0; d < FG_DIM_COUNT; d++)
		gen_dim(in, &r->dim[d], d);
	if (r->protocol == FG_PROTO_UDP || r->protocol == FG_PROTO_ICMP)
		memset(&r->dim[FG_DIM_CONNECTIONS], 0, sizeof(r->dim[0]));
	r->block_ns = fuzz_take(in, 8) % (24ULL * 3600 * NS_PER_S + 1);
	r->block_scope =
	    fuzz_take(in, 1) % 2 ? FG_BLOCK_SCOPE_SOURCE : FG_BLOCK_SCOPE_RULE;
	r->action = r->protocol == FG_PROTO_TCP && fuzz_take(in, 1) % 2
			? FG_RULE_ACTION_RESET
			: FG_RULE_ACTION_DROP;
	if (fuzz_take(in, 1) % 3)
		return;
	r->aggregate.enabled = true;
	r->aggregate.ipv4_prefix = (__u8)(fuzz_take(in, 1) % 33);
	r->aggregate.ipv6_prefix = (__u8)(fuzz_take(in, 1) % 129);
	for (int d = 0; d < FG_DIM_COUNT; d++)
		gen_dim(in, &r->aggregate.dim[d], d);
	if (r->protocol == FG_PROTO_UDP || r->protocol == FG_PROTO_ICMP)
		memset(&r->aggregate.dim[FG_DIM_CONNECTIONS], 0,
		       sizeof(r->dim[0]));
	if (!r->aggregate.dim[0].rate.amount &&
	    !r->aggregate.dim[1].rate.amount &&
	    !r->aggregate.dim[2].rate.amount) {
		r->aggregate.dim[0].rate = (struct fg_rate){1, NS_PER_S};
		r->aggregate.dim[0].burst = 1;
	}
}

static void gen_settings(struct fuzz_in *in)
{
	memset(&s, 0, sizeof(s));
	s.max_sources = 64 + (__u32)(fuzz_take(in, 3) % (16777216 - 63));
	s.ipv4_prefix = (__u8)(fuzz_take(in, 1) % 33);
	s.ipv6_prefix = (__u8)(fuzz_take(in, 1) % 129);
	s.malformed_drop = fuzz_take(in, 1) % 2;
	switch (fuzz_take(in, 1) % 3) {
	case 0: /* not configured: the default admission */
		break;
	case 1: /* "0": no admission limit */
		s.admit.rate.per_ns = NS_PER_S;
		break;
	default:
		gen_dim(in, &s.admit, FG_DIM_PACKETS);
		if (!s.admit.rate.amount)
			s.admit.rate = (struct fg_rate){1, NS_PER_S};
		s.admit.burst = fuzz_take(in, 1) % 2 ? 0 : s.admit.burst;
		if (s.admit.burst > UINT32_MAX)
			s.admit.burst = UINT32_MAX;
		break;
	}
	for (int d = 0; d < FG_DIM_COUNT; d++)
		gen_dim(in, &s.defaults[d], d);
	/* Mostly a few rules: each portless one fills 65536 ports, and a
	 * fast target explores more; sometimes up to the maximum. */
	s.nrules = (unsigned int)(fuzz_take(in, 1) % (FG_MAX_RULES + 1));
	if (fuzz_take(in, 1) % 4)
		s.nrules %= 9;
	for (unsigned int i = 0; i < s.nrules; i++)
		gen_rule(in, i, &s.rules[i]);
}

static bool rule_has_class(const struct fg_rule_spec *r, int c)
{
	return r->protocol == FG_PROTO_ANY ||
	       (r->protocol == FG_PROTO_TCP && c == FG_PCLASS_TCP) ||
	       (r->protocol == FG_PROTO_UDP && c == FG_PCLASS_UDP) ||
	       (r->protocol == FG_PROTO_ICMP && c == FG_PCLASS_ICMP);
}

static bool rule_has_port(const struct fg_rule_spec *r, unsigned int p)
{
	if (!r->nports)
		return true;
	for (unsigned int k = 0; k < r->nports; k++)
		if (p >= r->ports[k].first && p <= r->ports[k].last)
			return true;
	return false;
}

/* The compiled limit against its spec: the interval is per_ns/amount in
 * 2^-16 ns, rounded down (an accepted rate leaves it at least 1 ns); the
 * tolerance is burst intervals, raised to FG_TICKS_MIN ticks. */
static void check_limit(const struct fg_dim_limit *d, const struct fg_limit *l,
			__u64 tick_ns, const char *what)
{
	unsigned __int128 want_interval, tol;

	if (!d->rate.amount) {
		FUZZ_CHECK(!l->interval_fp && !l->tolerance_ns,
			   "%s: unlimited compiled to %llu/%llu", what,
			   ULL(l->interval_fp), ULL(l->tolerance_ns));
		return;
	}
	want_interval =
	    ((unsigned __int128)d->rate.per_ns << FG_FP_SHIFT) / d->rate.amount;
	FUZZ_CHECK(want_interval <= UINT64_MAX,
		   "%s: %llu per %llu ns: the interval overflows 64 bits", what,
		   ULL(d->rate.amount), ULL(d->rate.per_ns));
	FUZZ_CHECK(l->interval_fp == want_interval &&
		       l->interval_fp >= 1ULL << FG_FP_SHIFT,
		   "%s: %llu per %llu ns compiled to interval %llu", what,
		   ULL(d->rate.amount), ULL(d->rate.per_ns),
		   ULL(l->interval_fp));
	/* The rate the datapath enforces is within 1% of the configured
	 * one (the interval is rounded down, so never slower). */
	FUZZ_CHECK((unsigned __int128)l->interval_fp * d->rate.amount * 100 >=
		       ((unsigned __int128)d->rate.per_ns << FG_FP_SHIFT) * 99,
		   "%s: %llu per %llu ns compiles to interval %llu: off by "
		   "more than 1%%",
		   what, ULL(d->rate.amount), ULL(d->rate.per_ns),
		   ULL(l->interval_fp));
	tol = (unsigned __int128)d->burst * d->rate.per_ns / d->rate.amount;
	FUZZ_CHECK(tol <= UINT64_MAX,
		   "%s: burst %llu at %llu per %llu ns: the tolerance "
		   "overflows 64 bits",
		   what, ULL(d->burst), ULL(d->rate.amount),
		   ULL(d->rate.per_ns));
	if (tol < FG_TICKS_MIN * (unsigned __int128)tick_ns)
		tol = FG_TICKS_MIN * (unsigned __int128)tick_ns;
	FUZZ_CHECK(l->tolerance_ns == (__u64)tol,
		   "%s: burst %llu at %llu per %llu ns compiled to tolerance "
		   "%llu ns, want %llu",
		   what, ULL(d->burst), ULL(d->rate.amount),
		   ULL(d->rate.per_ns), ULL(l->tolerance_ns), ULL(tol));
}

static void check_mask6(unsigned int prefix, const __u32 m[4], const char *what)
{
	const __u8 *b = (const __u8 *)m;

	for (unsigned int bit = 0; bit < 128; bit++)
		FUZZ_CHECK(!!(b[bit / 8] & (0x80 >> (bit % 8))) ==
			       (bit < prefix),
			   "%s: /%u mask bit %u", what, prefix, bit);
}

static void check_mask4(unsigned int prefix, __u32 m, const char *what)
{
	const __u8 *b = (const __u8 *)&m;

	for (unsigned int bit = 0; bit < 32; bit++)
		FUZZ_CHECK(!!(b[bit / 8] & (0x80 >> (bit % 8))) ==
			       (bit < prefix),
			   "%s: /%u mask bit %u", what, prefix, bit);
}

/* The first rule in config order that takes port p of each class. */
static void check_port(unsigned int p)
{
	if (p >= FG_PORTS)
		return;
	for (int c = 0; c < FG_PORT_CLASSES; c++) {
		__u8 want = FG_RULE_DEFAULT;

		for (unsigned int i = 0; i < s.nrules && !want; i++)
			if (rule_has_class(&s.rules[i], c) &&
			    rule_has_port(&s.rules[i], p))
				want = (__u8)(i + 1);
		FUZZ_CHECK(
		    fg_rule_match_slot(&cfg, &match, c, true, (__u16)p, 0, 0) ==
			want,
		    "port %u class %d: slot %u, want %u", p, c,
		    fg_rule_match_slot(&cfg, &match, c, true, (__u16)p, 0, 0),
		    want);
	}
}

static void check_compiled(__u64 tick_ns)
{
	char what[96];

	FUZZ_CHECK(cfg.nrules == s.nrules, "nrules %u", cfg.nrules);
	FUZZ_CHECK(cfg.malformed_drop == s.malformed_drop, "malformed");
	check_mask4(s.ipv4_prefix, cfg.mask4, "table ipv4");
	check_mask6(s.ipv6_prefix, cfg.mask6, "table ipv6");
	FUZZ_CHECK(cfg.rules[FG_RULE_DEFAULT].id == FG_RULE_ID_DEFAULT,
		   "default id %u", cfg.rules[FG_RULE_DEFAULT].id);
	for (int d = 0; d < FG_DIM_COUNT; d++) {
		snprintf(what, sizeof(what), "limits dim %d", d);
		check_limit(&s.defaults[d],
			    &cfg.rules[FG_RULE_DEFAULT].limit[d], tick_ns,
			    what);
	}
	if (s.admit.rate.per_ns) {
		struct fg_dim_limit a = s.admit;

		if (a.rate.amount && !a.burst) {
			unsigned __int128 b = (unsigned __int128)a.rate.amount *
					      NS_PER_S / a.rate.per_ns;

			a.burst = b ? (__u64)b : 1;
		}
		check_limit(&a, &cfg.admit, tick_ns, "new_sources");
	} else { /* max_sources/16 per second, a second's worth of burst */
		struct fg_dim_limit a = {
		    {s.max_sources / 16 ? s.max_sources / 16 : 1, NS_PER_S}, 0};

		a.burst = a.rate.amount;
		check_limit(&a, &cfg.admit, tick_ns, "default new_sources");
	}
	for (unsigned int i = 0; i < s.nrules; i++) {
		const struct fg_rule_spec *r = &s.rules[i];
		const struct fg_rule *o = &cfg.rules[i + 1];

		FUZZ_CHECK(o->id != FG_RULE_ID_DEFAULT &&
			       o->id == fg_rule_id(r->name),
			   "rules[%u] id %u", i, o->id);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(cfg.rules[j + 1].id != o->id,
				   "rules %u and %u share id %u", j, i, o->id);
		FUZZ_CHECK(o->block_ns == r->block_ns &&
			       o->block_scope == (__u8)r->block_scope &&
			       o->action == (__u8)r->action,
			   "rules[%u] block, block_scope or action", i);
		FUZZ_CHECK(o->block_factor >= 1 &&
			       o->block_factor <= FG_BLOCK_FACTOR_MAX &&
			       o->block_max_ns >= o->block_ns &&
			       o->block_window_ns == r->block_window_ns,
			   "rules[%u] block factor %u, max or window", i,
			   o->block_factor);
		for (int d = 0; d < FG_DIM_COUNT; d++) {
			snprintf(what, sizeof(what), "rules[%u] dim %d", i, d);
			check_limit(&r->dim[d], &o->limit[d], tick_ns, what);
		}
		FUZZ_CHECK(o->has_aggregate == r->aggregate.enabled,
			   "rules[%u] aggregate", i);
		if (!r->aggregate.enabled)
			continue;
		snprintf(what, sizeof(what), "rules[%u] aggregate", i);
		check_mask4(r->aggregate.ipv4_prefix, o->agg_mask4, what);
		check_mask6(r->aggregate.ipv6_prefix, o->agg_mask6, what);
		for (int d = 0; d < FG_DIM_COUNT; d++) {
			snprintf(what, sizeof(what),
				 "rules[%u] aggregate dim %d", i, d);
			check_limit(&r->aggregate.dim[d], &o->agg_limit[d],
				    tick_ns, what);
		}
	}
	for (int c = 0; c < FG_PCLASS_COUNT; c++) {
		__u8 want = FG_RULE_DEFAULT;

		for (unsigned int i = 0; i < s.nrules && !want; i++)
			if (!s.rules[i].nports &&
			    rule_has_class(&s.rules[i], c))
				want = (__u8)(i + 1);
		FUZZ_CHECK(
		    fg_rule_match_slot(&cfg, &match, c, false, 0, 0, 0) == want,
		    "portless class %d: slot %u, want %u", c,
		    fg_rule_match_slot(&cfg, &match, c, false, 0, 0, 0), want);
	}
	/* Every port where a rule's range starts or ends, and the ports
	 * either side: between two such points nothing changes. */
	check_port(0);
	check_port(65535);
	for (unsigned int i = 0; i < s.nrules; i++) {
		for (unsigned int k = 0; k < s.rules[i].nports; k++) {
			const struct fg_port_range *r = &s.rules[i].ports[k];

			check_port(r->first - 1u);
			check_port(r->first);
			check_port(r->last);
			check_port(r->last + 1u);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size, 0};
	__u64 tick_ns = fuzz_take(&in, 1) % 2 ? 4000000 : 0;
	bool collide = false;
	char err[FG_ERR_MAX] = "";
	int rc;

	gen_settings(&in);
	check_settings(&s);
	for (unsigned int i = 0; i < s.nrules; i++)
		for (unsigned int j = 0; j < i; j++)
			collide |= fg_rule_id(s.rules[i].name) ==
				   fg_rule_id(s.rules[j].name);
	rc = fg_ruleset_compile(&s, tick_ns, NULL, &cfg, &match, err,
				sizeof(err));
	if (collide) {
		FUZZ_CHECK(rc == -EINVAL && strstr(err, "collide"),
			   "colliding rule ids compiled: rc %d", rc);
		return 0;
	}
	FUZZ_CHECK(!rc, "refused: %d %s", rc, err);
	check_compiled(tick_ns);
	return 0;
}
