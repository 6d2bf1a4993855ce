// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

__u32 fg_rule_id(const char *name)
{
	__u32 h = 2166136261u; /* FNV-1a */

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	/* 0 is the default limits' id; FG_RULE_ID_ANY keys source-scoped
	 * penalty-box entries. */
	return h && h != FG_RULE_ID_ANY ? h : 1;
}

void fg_limit_compile(const struct fg_dim_limit *d, struct fg_limit *out)
{
	unsigned __int128 interval, tolerance;

	memset(out, 0, sizeof(*out));
	if (!d->rate.amount)
		return;
	/* config.c refuses what these clamps change; they stay so that no
	 * positive rate compiles to a zero cost (no limit at all), and no
	 * burst to a tolerance cut to 64 bits (refusing everything). */
	interval =
	    ((unsigned __int128)d->rate.per_ns << FG_FP_SHIFT) / d->rate.amount;
	tolerance =
	    (unsigned __int128)d->burst * d->rate.per_ns / d->rate.amount;
	if (interval < 1u << FG_FP_SHIFT) {
		interval = 1u << FG_FP_SHIFT; /* 1 ns a unit */
		tolerance = d->burst;
	}
	out->interval_fp = (__u64)interval;
	out->tolerance_ns =
	    tolerance > FG_BURST_NS_MAX ? FG_BURST_NS_MAX : (__u64)tolerance;
}

__u32 fg_mask4(unsigned int prefix)
{
	return prefix ? htonl(~0u << (32 - prefix)) : 0;
}

void fg_mask6(unsigned int prefix, __u32 out[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned int bits = prefix > 32u * i ? prefix - 32u * i : 0;

		out[i] = fg_mask4(bits > 32 ? 32 : bits);
	}
}

static int rule_has_class(const struct fg_rule_spec *r, int pclass)
{
	switch (r->protocol) {
	case FG_PROTO_ANY:
		return 1;
	case FG_PROTO_TCP:
		return pclass == FG_PCLASS_TCP;
	case FG_PROTO_UDP:
		return pclass == FG_PCLASS_UDP;
	case FG_PROTO_ICMP:
		return pclass == FG_PCLASS_ICMP;
	}
	return 0;
}

/* First match wins: fill from the last rule to the first, so earlier
 * rules overwrite later ones. */
static void compile_ports(const struct fg_settings *s,
			  struct fg_port_rules *ports)
{
	memset(ports, 0, sizeof(*ports) * FG_PORTS);
	for (int i = (int)s->nrules - 1; i >= 0; i--) {
		const struct fg_rule_spec *r = &s->rules[i];
		__u8 slot = (__u8)(i + 1);

		for (int c = 0; c < FG_PORT_CLASSES; c++) {
			if (!rule_has_class(r, c))
				continue;
			if (!r->nports) {
				for (int p = 0; p < FG_PORTS; p++)
					ports[p].rule[c] = slot;
				continue;
			}
			for (unsigned int k = 0; k < r->nports; k++)
				for (unsigned int p = r->ports[k].first;
				     p <= r->ports[k].last; p++)
					ports[p].rule[c] = slot;
		}
	}
}

void fg_limit_floor(struct fg_limit *l, __u64 tick_ns)
{
	if (l->interval_fp && l->tolerance_ns < FG_TICKS_MIN * tick_ns)
		l->tolerance_ns = FG_TICKS_MIN * tick_ns;
}

__u64 fg_clock_tick_ns(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res))
		return 0;
	return (__u64)res.tv_sec * 1000000000ull + (__u64)res.tv_nsec;
}

static void compile_limits_n(const struct fg_dim_limit *dim, int n,
			     __u64 tick_ns, struct fg_limit *out)
{
	for (int d = 0; d < n; d++) {
		fg_limit_compile(&dim[d], &out[d]);
		fg_limit_floor(&out[d], tick_ns);
	}
}

static void compile_limits(const struct fg_dim_limit dim[FG_DIM_COUNT],
			   __u64 tick_ns, struct fg_limit out[FG_DIM_COUNT])
{
	compile_limits_n(dim, FG_DIM_COUNT, tick_ns, out);
}

static void compile_admission(const struct fg_settings *s, __u64 tick_ns,
			      struct fg_limit *out)
{
	struct fg_dim_limit a = fg_admit_limit(s);

	memset(out, 0, sizeof(*out));
	if (a.rate.amount)
		compile_limits_n(&a, 1, tick_ns, out);
}

int fg_ruleset_compile(const struct fg_settings *s, __u64 tick_ns,
		       struct fg_config *cfg, struct fg_port_rules *ports,
		       char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	compile_admission(s, tick_ns, &cfg->admit);
	fg_mask6(s->ipv6_prefix, cfg->mask6);
	cfg->mask4 = fg_mask4(s->ipv4_prefix);
	cfg->malformed_drop = s->malformed_drop;
	cfg->nrules = s->nrules;

	compile_limits(s->defaults, tick_ns, cfg->rules[FG_RULE_DEFAULT].limit);
	cfg->rules[FG_RULE_DEFAULT].id = FG_RULE_ID_DEFAULT;

	for (unsigned int i = 0; i < s->nrules; i++) {
		const struct fg_rule_spec *r = &s->rules[i];
		struct fg_rule *out = &cfg->rules[i + 1];

		compile_limits(r->dim, tick_ns, out->limit);
		out->id = fg_rule_id(r->name);
		for (unsigned int j = 0; j < i; j++) {
			if (cfg->rules[j + 1].id == out->id) {
				snprintf(err, errlen,
					 "rules %s and %s: names collide in "
					 "the state key; rename one",
					 s->rules[j].name, r->name);
				return -EINVAL;
			}
		}
		out->block_ns = r->block_ns;
		out->block_scope = (__u8)r->block_scope;
		out->block_factor =
		    r->block_factor > 1 ? (__u8)r->block_factor : 1;
		out->block_max_ns = r->block_max_ns > r->block_ns
					? r->block_max_ns
					: r->block_ns;
		out->block_window_ns = r->block_window_ns;
		out->action = (__u8)r->action;
		/* Without a fleet to publish to, counting would be waste. */
		out->fleet = r->has_fleet && s->fleet.redis[0];
		if (r->aggregate.enabled) {
			out->has_aggregate = 1;
			out->agg_mask4 = fg_mask4(r->aggregate.ipv4_prefix);
			fg_mask6(r->aggregate.ipv6_prefix, out->agg_mask6);
			compile_limits(r->aggregate.dim, tick_ns,
				       out->agg_limit);
		}
	}

	/* Packets without ports (ICMP, other protocols, non-first
	 * fragments) take the first rule of their protocol that names no
	 * ports. */
	for (int c = 0; c < FG_PCLASS_COUNT; c++) {
		cfg->portless_rule[c] = FG_RULE_DEFAULT;
		for (unsigned int i = 0; i < s->nrules; i++) {
			if (!s->rules[i].nports &&
			    rule_has_class(&s->rules[i], c)) {
				cfg->portless_rule[c] = (__u8)(i + 1);
				break;
			}
		}
	}
	compile_ports(s, ports);
	return 0;
}
