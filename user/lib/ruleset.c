// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

static int cmp_dest(const void *pa, const void *pb)
{
	const struct fg_dest_entry *a = pa, *b = pb;
	int r = memcmp(a->cidr.addr, b->cidr.addr, sizeof(a->cidr.addr));

	if (r)
		return r;
	return (int)a->cidr.prefixlen - (int)b->cidr.prefixlen;
}

/*
 * The rules' destination CIDRs, one entry per prefix, each with the set
 * of rules whose destinations cover it: its own rules and those of every
 * enclosing prefix (the datapath sees only the most specific one). The
 * distinct sets get ids 1..FG_MAX_DEST_SETS.
 */
static int compile_dests(const struct fg_settings *s, struct fg_rule_match *m,
			 char *err, size_t errlen)
{
	__u64 own[FG_MAX_DEST_ENTRIES] = {0};
	size_t n = 0, len = 0, depth = 0, stack[129];
	unsigned int nsets = 1; /* id 0: no destination rule covers it */

	for (unsigned int i = 0; i < s->nrules; i++)
		for (unsigned int k = 0; k < s->rules[i].ndests; k++) {
			m->dests[n].cidr = s->rules[i].dests[k];
			m->dests[n++].set = i; /* the rule, for now */
		}
	qsort(m->dests, n, sizeof(*m->dests), cmp_dest);
	for (size_t i = 0; i < n; i++) {
		if (len && !cmp_dest(&m->dests[len - 1], &m->dests[i])) {
			own[len - 1] |= 1ull << m->dests[i].set;
			continue;
		}
		own[len] = 1ull << m->dests[i].set;
		m->dests[len++] = m->dests[i];
	}
	/* Sorted by address then length, an enclosing prefix comes before
	 * what it encloses: a stack of the open ones composes the sets. */
	for (size_t i = 0; i < len; i++) {
		__u64 set;
		unsigned int id = 0;

		while (depth &&
		       !fg_cidr_covers(&m->dests[stack[depth - 1]].cidr,
				       &m->dests[i].cidr))
			depth--;
		set = own[i] | (depth ? own[stack[depth - 1]] : 0);
		own[i] = set;
		stack[depth++] = i;
		for (unsigned int k = 1; k < nsets; k++)
			if (m->dest_sets[k] == set)
				id = k;
		if (!id) {
			if (nsets == FG_DEST_SLOTS) {
				snprintf(err, errlen,
					 "rules' destinations: more than %d "
					 "distinct sets of rules cover "
					 "them; merge some destinations",
					 FG_MAX_DEST_SETS);
				return -EINVAL;
			}
			id = nsets++;
			m->dest_sets[id] = set;
		}
		m->dests[i].set = id;
	}
	m->ndests = len;
	return 0;
}

/* Bit i: user rule i matches packets of protocol class pc to this port
 * (has_port) or without one. */
static __u64 port_rules(const struct fg_settings *s, int pc, bool has_port,
			unsigned int port)
{
	__u64 mask = 0;

	for (unsigned int i = 0; i < s->nrules; i++) {
		const struct fg_rule_spec *r = &s->rules[i];
		bool match = !r->nports;

		if (!rule_has_class(r, pc))
			continue;
		for (unsigned int k = 0; has_port && k < r->nports; k++)
			match |= port >= r->ports[k].first &&
				 port <= r->ports[k].last;
		if (match)
			mask |= 1ull << i;
	}
	return mask;
}

struct groups {
	unsigned int n;
	const struct fg_settings *s;
	const struct fg_rule_match *m;
};

/* The first rule of mask matching class c and destination set d. */
static __u8 first_match(const struct groups *g, __u64 mask, unsigned int c,
			unsigned int d)
{
	for (unsigned int i = 0; i < g->s->nrules; i++) {
		const struct fg_rule_spec *r = &g->s->rules[i];

		if (!(mask >> i & 1))
			continue;
		if (r->sources && !(r->sources >> c & 1))
			continue;
		if (r->ndests && !(g->m->dest_sets[d] >> i & 1))
			continue;
		return g->m->rule_slot[i];
	}
	return g->m->class_slot[c];
}

/* The group of a set of matching rules: ports whose rule is the same
 * for every (class, destination set) share one, so without classes and
 * destinations there are at most as many groups as rule slots (65), and
 * more only as classes and destinations split them (bounded by
 * FG_PORT_GROUPS). */
static int group_of(struct groups *g, struct fg_rule_match *m, __u64 mask)
{
	__u8 row[FG_CLASS_SLOTS][FG_DEST_SLOTS];

	for (unsigned int c = 0; c < FG_CLASS_SLOTS; c++)
		for (unsigned int d = 0; d < FG_DEST_SLOTS; d++)
			row[c][d] = first_match(g, mask, c, d);
	for (unsigned int k = 0; k < g->n; k++)
		if (!memcmp(m->table.slot[k], row, sizeof(row)))
			return (int)k;
	if (g->n == FG_PORT_GROUPS)
		return -1;
	memcpy(m->table.slot[g->n], row, sizeof(row));
	return (int)g->n++;
}

static int compile_groups(const struct fg_settings *s, struct fg_config *cfg,
			  struct fg_rule_match *m, char *err, size_t errlen)
{
	struct groups g = {.s = s, .m = m};
	int gid = 0;

	for (int pc = 0; pc < FG_PCLASS_COUNT && gid >= 0; pc++) {
		gid = group_of(&g, m, port_rules(s, pc, false, 0));
		cfg->portless_group[pc] = (__u8)gid;
	}
	for (int pc = 0; pc < FG_PORT_CLASSES && gid >= 0; pc++) {
		__u64 last = ~0ull;

		for (unsigned int p = 0; p < FG_PORTS && gid >= 0; p++) {
			__u64 mask = port_rules(s, pc, true, p);

			if (mask != last)
				gid = group_of(&g, m, mask);
			last = mask;
			m->ports[p].group[pc] = (__u8)gid;
		}
	}
	m->ngroups = g.n;
	if (gid >= 0)
		return 0;
	snprintf(err, errlen,
		 "rules: their ports form more than %d distinct groups; "
		 "merge some port lists",
		 FG_PORT_GROUPS);
	return -EINVAL;
}

/* The default limits times a class's limits_scale: rates and bursts
 * both, so the class gets the same shape, scaled. The config refused
 * what does not fit (fg_scale_limit); settings made otherwise get an
 * error, not a wrapped limit. */
static int scale_dims(const struct fg_settings *s, unsigned int k,
		      struct fg_dim_limit out[FG_DIM_COUNT], char *err,
		      size_t errlen)
{
	for (int d = 0; d < FG_DIM_COUNT; d++) {
		if (fg_scale_limit(&s->defaults[d], s->classes[k].limits_scale,
				   &out[d])) {
			snprintf(err, errlen,
				 "classes.%s.limits_scale: the scaled default "
				 "limits do not fit 64 bits",
				 s->classes[k].name);
			return -EINVAL;
		}
	}
	return 0;
}

/* Two names hashing to one id would share their sources' state. */
static int check_ids(const char *const *names, unsigned int n, char *err,
		     size_t errlen)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < i; j++)
			if (fg_rule_id(names[j]) == fg_rule_id(names[i])) {
				snprintf(err, errlen,
					 "rules %s and %s: names collide in "
					 "the state key; rename one",
					 names[j], names[i]);
				return -EINVAL;
			}
	return 0;
}

/* Slots by name (fg_ruleset_compile): the running config's slot for a
 * name it has; else the lowest slot it leaves free; else (it uses them
 * all) the lowest one a name it has and this config drops leaves. */
static void assign_slots(const char *const *names, unsigned int n,
			 const char (*prev)[FG_RULE_NAME_LEN], __u8 *slot)
{
	bool taken[FG_RULE_SLOTS] = {true}, running[FG_RULE_SLOTS] = {true};

	for (unsigned int k = 1; prev && k < FG_RULE_SLOTS; k++)
		running[k] = prev[k][0] != '\0';
	for (unsigned int i = 0; i < n; i++) {
		slot[i] = FG_RULE_DEFAULT;
		for (unsigned int k = 1; prev && k < FG_RULE_SLOTS; k++) {
			if (!taken[k] &&
			    !strncmp(prev[k], names[i], FG_RULE_NAME_LEN)) {
				slot[i] = (__u8)k;
				taken[k] = true;
				break;
			}
		}
	}
	for (int any = 0; any < 2; any++)
		for (unsigned int i = 0; i < n; i++)
			for (unsigned int k = 1; !slot[i] && k < FG_RULE_SLOTS;
			     k++)
				if (!taken[k] && (any || !running[k])) {
					slot[i] = (__u8)k;
					taken[k] = true;
				}
}

static void compile_rule(const struct fg_settings *s,
			 const struct fg_rule_spec *r, __u64 tick_ns,
			 struct fg_rule *out)
{
	compile_limits(r->dim, tick_ns, out->limit);
	out->id = fg_rule_id(r->name);
	out->block_ns = r->block_ns;
	out->block_scope = (__u8)r->block_scope;
	out->block_factor = r->block_factor > 1 ? (__u8)r->block_factor : 1;
	out->block_max_ns =
	    r->block_max_ns > r->block_ns ? r->block_max_ns : r->block_ns;
	out->block_window_ns = r->block_window_ns;
	out->action = (__u8)r->action;
	out->dry_run = r->dry_run;
	/* Without a fleet to publish to, counting would be waste. */
	out->fleet = r->has_fleet && s->fleet.redis[0];
	if (r->aggregate.enabled) {
		out->has_aggregate = 1;
		out->agg_mask4 = fg_mask4(r->aggregate.ipv4_prefix);
		fg_mask6(r->aggregate.ipv6_prefix, out->agg_mask6);
		compile_limits(r->aggregate.dim, tick_ns, out->agg_limit);
	}
}

int fg_ruleset_compile(const struct fg_settings *s, __u64 tick_ns,
		       const char (*prev)[FG_RULE_NAME_LEN],
		       struct fg_config *cfg, struct fg_rule_match *m,
		       char *err, size_t errlen)
{
	char scaled_names[FG_CLASS_SLOTS][FG_RULE_NAME_LEN];
	/* The rules in config order, then the scaled defaults. */
	const char *names[FG_MAX_RULES];
	unsigned int class_of[FG_MAX_RULES] = {0}, n = 0;
	__u8 slot[FG_MAX_RULES];
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(m, 0, sizeof(*m));
	compile_admission(s, tick_ns, &cfg->admit);
	fg_mask6(s->ipv6_prefix, cfg->mask6);
	cfg->mask4 = fg_mask4(s->ipv4_prefix);
	cfg->malformed_drop = s->malformed_drop;

	compile_limits(s->defaults, tick_ns, cfg->rules[FG_RULE_DEFAULT].limit);
	cfg->rules[FG_RULE_DEFAULT].id = FG_RULE_ID_DEFAULT;

	for (unsigned int i = 0; i < s->nrules && n < FG_MAX_RULES; i++)
		names[n++] = s->rules[i].name;
	/* A class with limits_scale gets the default limits, scaled, in a
	 * slot of its own: its own state and counters. */
	for (unsigned int k = 0; k < s->nclasses; k++) {
		if (s->classes[k].limits_scale == FG_SCALE_ONE)
			continue;
		if (n == FG_MAX_RULES) {
			snprintf(err, errlen,
				 "rules and classes with limits_scale: at "
				 "most %d together",
				 FG_MAX_RULES);
			return -EINVAL;
		}
		snprintf(scaled_names[k + 1], FG_RULE_NAME_LEN,
			 FG_SCALED_DEFAULT_FMT, s->classes[k].name);
		class_of[n] = k;
		names[n++] = scaled_names[k + 1];
	}
	rc = check_ids(names, n, err, errlen);
	if (rc)
		return rc;
	assign_slots(names, n, prev, slot);

	for (unsigned int i = 0; i < n; i++) {
		struct fg_rule *out = &cfg->rules[slot[i]];
		struct fg_dim_limit dims[FG_DIM_COUNT];

		if (slot[i] > cfg->nrules)
			cfg->nrules = slot[i];
		if (i < s->nrules) {
			m->rule_slot[i] = slot[i];
			compile_rule(s, &s->rules[i], tick_ns, out);
			cfg->class_rules |= s->rules[i].sources != 0;
			continue;
		}
		rc = scale_dims(s, class_of[i], dims, err, errlen);
		if (rc)
			return rc;
		compile_limits(dims, tick_ns, out->limit);
		out->id = fg_rule_id(names[i]);
		m->class_slot[class_of[i] + 1] = slot[i];
		cfg->class_rules = 1;
	}

	rc = compile_dests(s, m, err, errlen);
	if (!rc)
		rc = compile_groups(s, cfg, m, err, errlen);
	cfg->has_dests = m->ndests > 0;
	return rc;
}

__u32 fg_rule_match_slot(const struct fg_config *cfg,
			 const struct fg_rule_match *m, unsigned int pclass,
			 bool has_port, __u16 port, __u32 class_id,
			 __u32 dest_set)
{
	unsigned int group;
	__u32 slot;

	if (has_port && pclass < FG_PORT_CLASSES)
		group = m->ports[port].group[pclass];
	else
		group = cfg->portless_group[pclass & (FG_PCLASS_COUNT - 1)];
	slot = m->table.slot[group & (FG_PORT_GROUPS - 1)]
			    [class_id & (FG_CLASS_SLOTS - 1)]
			    [dest_set & (FG_DEST_SLOTS - 1)];
	return slot < FG_RULE_SLOTS ? slot : FG_RULE_DEFAULT;
}
