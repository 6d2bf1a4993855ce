/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What every validated fg_settings must satisfy (DESIGN.md §3 and the
 * limits in config.h): fuzz_config checks what the loader accepts
 * against it, fuzz_ruleset checks that its generated settings are ones
 * the loader could have produced.
 */
#ifndef FG_FUZZ_SETTINGS_CHECK_H
#define FG_FUZZ_SETTINGS_CHECK_H

#include <inttypes.h>
#include <stdbool.h>

#include "config.h"
#include "fuzz.h"
#include "http.h"

#define CHECK_NS_PER_S 1000000000ULL
#define CHECK_BLOCK_NS_MAX (24ULL * 3600 * CHECK_NS_PER_S)
#define CHECK_MIN_FRAME_BURST 1518

static inline bool check_period_ok(__u64 per_ns)
{
	static const __u64 periods[] = {CHECK_NS_PER_S, 60 * CHECK_NS_PER_S,
					3600 * CHECK_NS_PER_S};

	/* A bit rate keeps bytes exact with a period 2, 4 or 8 times as
	 * long. */
	for (size_t i = 0; i < 3; i++)
		for (__u64 k = 1; k <= 8; k *= 2)
			if (per_ns == periods[i] * k)
				return true;
	return false;
}

/* The fewest nanoseconds a unit of a dimension may cost. */
static inline __u64 check_ns_min(int dim)
{
	return dim == FG_DIM_BYTES ? FG_BYTE_NS_MIN : FG_COUNT_NS_MIN;
}

static inline void check_dim(const struct fg_dim_limit *d, int dim,
			     const char *where)
{
	unsigned __int128 span;

	if (!d->rate.amount) {
		FUZZ_CHECK(!d->burst, "%s dim %d: unlimited with burst %llu",
			   where, dim, ULL(d->burst));
		return;
	}
	FUZZ_CHECK(check_period_ok(d->rate.per_ns), "%s dim %d: period %llu ns",
		   where, dim, ULL(d->rate.per_ns));
	FUZZ_CHECK(d->burst >=
		       (dim == FG_DIM_BYTES ? CHECK_MIN_FRAME_BURST : 1),
		   "%s dim %d: burst %llu", where, dim, ULL(d->burst));
	/* The datapath charges whole nanoseconds a unit: an accepted rate
	 * must leave each unit the least config.h states. */
	FUZZ_CHECK((unsigned __int128)d->rate.amount * check_ns_min(dim) <=
		       d->rate.per_ns,
		   "%s dim %d: %llu per %llu ns is accepted but faster than "
		   "the datapath holds",
		   where, dim, ULL(d->rate.amount), ULL(d->rate.per_ns));
	span = (unsigned __int128)d->burst * d->rate.per_ns / d->rate.amount;
	FUZZ_CHECK(span <= FG_BURST_NS_MAX,
		   "%s dim %d: burst %llu at %llu/%llu"
		   "ns spans past 2^62 ns",
		   where, dim, ULL(d->burst), ULL(d->rate.amount),
		   ULL(d->rate.per_ns));
}

static inline bool check_name_ok(const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	if (len < 1 || len >= max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		      ch == '-'))
			return false;
	}
	return true;
}

static inline void check_cidrs(const struct fg_cidr *c, size_t n,
			       const char *list)
{
	static const __u8 mapped[12] = {0, 0, 0, 0, 0,	  0,
					0, 0, 0, 0, 0xff, 0xff};

	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(c[i].prefixlen <= 128, "%s[%zu]: /%u", list, i,
			   c[i].prefixlen);
		for (unsigned int bit = c[i].prefixlen; bit < 128; bit++)
			FUZZ_CHECK(!(c[i].addr[bit / 8] & (0x80 >> (bit % 8))),
				   "%s[%zu]: host bit %u set", list, i, bit);
		/* IPv4 exactly when mapped, as mapio.c reads it back. */
		FUZZ_CHECK(c[i].is_v4 == (c[i].prefixlen >= 96 &&
					  !memcmp(c[i].addr, mapped, 12)),
			   "%s[%zu]: is_v4 %d for a /%u", list, i, c[i].is_v4,
			   c[i].prefixlen);
	}
}

static inline void check_settings(const struct fg_settings *s)
{
	char where[64];

	FUZZ_CHECK(s->nifaces <= FG_MAX_IFACES, "%u interfaces", s->nifaces);
	for (unsigned int i = 0; i < s->nifaces; i++) {
		size_t len = strnlen(s->ifaces[i], IF_NAMESIZE);

		FUZZ_CHECK(len >= 1 && len < IF_NAMESIZE &&
			       !strpbrk(s->ifaces[i], " /:\t\n") &&
			       strcmp(s->ifaces[i], ".") &&
			       strcmp(s->ifaces[i], ".."),
			   "interface \"%.*s\"", (int)len, s->ifaces[i]);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(s->ifaces[i], s->ifaces[j]),
				   "interface %s twice", s->ifaces[i]);
	}
	FUZZ_CHECK(s->xdp_mode < FG_XDP_MODE_COUNT, "xdp_mode %d", s->xdp_mode);
	FUZZ_CHECK(strnlen(s->metrics_listen, FG_LISTEN_MAX) < FG_LISTEN_MAX,
		   "metrics.listen not terminated");
	if (s->metrics_listen[0]) {
		char host[FG_LISTEN_MAX], port[8];

		FUZZ_CHECK(!fg_http_parse_listen(s->metrics_listen, host,
						 sizeof(host), port,
						 sizeof(port)),
			   "metrics.listen \"%s\" accepted but the server "
			   "cannot split it",
			   s->metrics_listen);
	}
	FUZZ_CHECK(s->max_sources >= 64 && s->max_sources <= 16777216,
		   "max_sources %u", s->max_sources);
	FUZZ_CHECK(s->ipv4_prefix <= 32 && s->ipv6_prefix <= 128,
		   "table prefixes /%u /%u", s->ipv4_prefix, s->ipv6_prefix);
	if (s->admit.rate.per_ns && s->admit.rate.amount) {
		FUZZ_CHECK(check_period_ok(s->admit.rate.per_ns),
			   "new_sources period %llu",
			   ULL(s->admit.rate.per_ns));
		FUZZ_CHECK(
		    (unsigned __int128)s->admit.rate.amount * FG_COUNT_NS_MIN <=
			s->admit.rate.per_ns,
		    "new_sources %llu per %llu ns is accepted but "
		    "faster than the datapath holds",
		    ULL(s->admit.rate.amount), ULL(s->admit.rate.per_ns));
	}
	FUZZ_CHECK(s->admit.burst <= UINT32_MAX, "burst_new_sources %llu",
		   ULL(s->admit.burst));
	if (s->admit.rate.per_ns && s->admit.rate.amount && s->admit.burst)
		FUZZ_CHECK((unsigned __int128)s->admit.burst *
				   s->admit.rate.per_ns /
				   s->admit.rate.amount <=
			       FG_BURST_NS_MAX,
			   "burst_new_sources %llu at %llu"
			   "/%lluns spans past 2^62 ns",
			   ULL(s->admit.burst), ULL(s->admit.rate.amount),
			   ULL(s->admit.rate.per_ns));
	for (int d = 0; d < FG_DIM_COUNT; d++)
		check_dim(&s->defaults[d], d, "limits");
	FUZZ_CHECK(s->nrules <= FG_MAX_RULES, "%u rules", s->nrules);
	for (unsigned int i = 0; i < s->nrules; i++) {
		const struct fg_rule_spec *r = &s->rules[i];

		snprintf(where, sizeof(where), "rules[%u]", i);
		FUZZ_CHECK(check_name_ok(r->name, FG_RULE_NAME_MAX) &&
			       strcmp(r->name, "default"),
			   "%s: name \"%.*s\"", where, FG_RULE_NAME_MAX,
			   r->name);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(r->name, s->rules[j].name),
				   "%s: name %s used twice", where, r->name);
		FUZZ_CHECK(r->protocol < FG_PROTOCOL_COUNT, "%s: protocol %d",
			   where, r->protocol);
		FUZZ_CHECK(r->nports <= FG_MAX_PORT_RANGES, "%s: %u ranges",
			   where, r->nports);
		FUZZ_CHECK(!r->nports || r->protocol != FG_PROTO_ICMP,
			   "%s: ports on icmp", where);
		for (unsigned int k = 0; k < r->nports; k++)
			FUZZ_CHECK(r->ports[k].first >= 1 &&
				       r->ports[k].first <= r->ports[k].last,
				   "%s: ports %u-%u", where, r->ports[k].first,
				   r->ports[k].last);
		FUZZ_CHECK(r->block_ns <= CHECK_BLOCK_NS_MAX, "%s: block %llu",
			   where, ULL(r->block_ns));
		FUZZ_CHECK(
		    r->block_factor <= FG_BLOCK_FACTOR_MAX &&
			r->block_max_ns <= CHECK_BLOCK_NS_MAX &&
			r->block_window_ns <= CHECK_BLOCK_NS_MAX &&
			(!r->block_max_ns || r->block_ns <= r->block_max_ns),
		    "%s: block factor %u max %llu window %llu", where,
		    r->block_factor, ULL(r->block_max_ns),
		    ULL(r->block_window_ns));
		FUZZ_CHECK(r->block_scope == FG_BLOCK_SCOPE_RULE ||
			       r->block_scope == FG_BLOCK_SCOPE_SOURCE,
			   "%s: block_scope %d", where, r->block_scope);
		FUZZ_CHECK(r->action == FG_RULE_ACTION_DROP ||
			       (r->action == FG_RULE_ACTION_RESET &&
				r->protocol == FG_PROTO_TCP),
			   "%s: action %d on protocol %d", where, r->action,
			   r->protocol);
		if (r->protocol == FG_PROTO_UDP || r->protocol == FG_PROTO_ICMP)
			FUZZ_CHECK(!r->dim[FG_DIM_CONNECTIONS].rate.amount &&
				       !r->aggregate.dim[FG_DIM_CONNECTIONS]
					    .rate.amount,
				   "%s: connection limit on protocol %d", where,
				   r->protocol);
		for (int d = 0; d < FG_DIM_COUNT; d++)
			check_dim(&r->dim[d], d, where);
		if (!r->aggregate.enabled)
			continue;
		FUZZ_CHECK(r->aggregate.ipv4_prefix <= 32 &&
			       r->aggregate.ipv6_prefix <= 128,
			   "%s: aggregate /%u /%u", where,
			   r->aggregate.ipv4_prefix, r->aggregate.ipv6_prefix);
		FUZZ_CHECK(r->aggregate.dim[0].rate.amount ||
			       r->aggregate.dim[1].rate.amount ||
			       r->aggregate.dim[2].rate.amount,
			   "%s: an aggregate without a rate", where);
		for (int d = 0; d < FG_DIM_COUNT; d++)
			check_dim(&r->aggregate.dim[d], d, where);
	}
	FUZZ_CHECK(s->nallow + s->ndeny <= FG_MAX_LIST_ENTRIES,
		   "%zu list entries", s->nallow + s->ndeny);
	FUZZ_CHECK(!s->nallow || s->allow, "allow entries without an array");
	FUZZ_CHECK(!s->ndeny || s->deny, "deny entries without an array");
	check_cidrs(s->allow, s->nallow, "allow");
	check_cidrs(s->deny, s->ndeny, "deny");
	for (size_t i = 0; i < s->nallow && s->ndeny < 64; i++)
		for (size_t j = 0; j < s->ndeny; j++)
			FUZZ_CHECK(
			    s->allow[i].prefixlen != s->deny[j].prefixlen ||
				memcmp(s->allow[i].addr, s->deny[j].addr, 16),
			    "allow[%zu] is also deny[%zu]", i, j);
}

#endif /* FG_FUZZ_SETTINGS_CHECK_H */
