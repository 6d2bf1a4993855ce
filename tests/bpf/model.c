// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "model.h"

#include <stdlib.h>
#include <string.h>

/* Open addressing, far from full: the caller resets it every few tens of
 * thousands of frames. */
#define MODEL_SLOTS (1u << 17)

struct model_key {
	__u8 addr[16];
	__u32 rule_id;
};

struct model_entry {
	struct model_key key;
	bool used;
	__u64 tat[FG_DIM_COUNT]; /* the box: deadline, strikes (box()) */
};

struct model_table {
	struct model_entry *e;
};

struct model {
	const struct fg_settings *s;
	const struct fg_config *cfg;
	struct model_table sources, aggregates, box;
	__u64 admit_tat;
	/* Fleet: counts keep packets, bytes, SYNs in tat[0..2]; blocks
	 * their deadline in tat[0]. */
	struct model_table fleet_counts, fleet_box;
	long fleet_keys;
	bool fleet_block_active;
};

static const enum fg_reason dim_reason[FG_DIM_COUNT] = {
    FG_REASON_RATE_PACKETS, FG_REASON_RATE_BYTES, FG_REASON_RATE_CONNECTIONS};

static __u64 key_hash(const struct model_key *k)
{
	__u64 h = 1469598103934665603ULL;
	const __u8 *b = (const __u8 *)k;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

/* The entry for k; with `add`, a zeroed one is made when missing. */
static struct model_entry *table_find(struct model_table *t,
				      const struct model_key *k, bool add)
{
	__u64 i = key_hash(k) & (MODEL_SLOTS - 1);

	for (unsigned int n = 0; n < MODEL_SLOTS; n++) {
		struct model_entry *e = &t->e[i];

		if (!e->used) {
			if (!add)
				return NULL;
			memset(e, 0, sizeof(*e));
			e->key = *k;
			e->used = true;
			return e;
		}
		if (!memcmp(&e->key, k, sizeof(*k)))
			return e;
		i = (i + 1) & (MODEL_SLOTS - 1);
	}
	return NULL;
}

struct model *model_new(void)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->sources.e = calloc(MODEL_SLOTS, sizeof(struct model_entry));
	m->aggregates.e = calloc(MODEL_SLOTS, sizeof(struct model_entry));
	m->box.e = calloc(MODEL_SLOTS, sizeof(struct model_entry));
	m->fleet_counts.e = calloc(MODEL_SLOTS, sizeof(struct model_entry));
	m->fleet_box.e = calloc(MODEL_SLOTS, sizeof(struct model_entry));
	if (!m->sources.e || !m->aggregates.e || !m->box.e ||
	    !m->fleet_counts.e || !m->fleet_box.e) {
		model_free(m);
		return NULL;
	}
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	free(m->sources.e);
	free(m->aggregates.e);
	free(m->box.e);
	free(m->fleet_counts.e);
	free(m->fleet_box.e);
	free(m);
}

void model_reset(struct model *m)
{
	memset(m->sources.e, 0, MODEL_SLOTS * sizeof(struct model_entry));
	memset(m->aggregates.e, 0, MODEL_SLOTS * sizeof(struct model_entry));
	memset(m->box.e, 0, MODEL_SLOTS * sizeof(struct model_entry));
	memset(m->fleet_counts.e, 0, MODEL_SLOTS * sizeof(struct model_entry));
	memset(m->fleet_box.e, 0, MODEL_SLOTS * sizeof(struct model_entry));
	m->fleet_keys = 0;
	m->fleet_block_active = false;
	m->admit_tat = 0;
}

void model_configure(struct model *m, const struct fg_settings *s,
		     const struct fg_config *cfg)
{
	m->s = s;
	m->cfg = cfg;
}

/* ---- addresses ---------------------------------------------------------- */

/* The first `bits` bits of a and b agree. */
static bool prefix_eq(const __u8 *a, const __u8 *b, unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;
	__u8 mask = (__u8)(0xff << (8 - rest));

	if (memcmp(a, b, whole))
		return false;
	return !rest || !((a[whole] ^ b[whole]) & mask);
}

static void mask_addr(const __u8 *in, unsigned int bits, __u8 *out)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int keep = bits > 8 * i ? bits - 8 * i : 0;

		out[i] =
		    keep >= 8 ? in[i] : (__u8)(in[i] & (0xff << (8 - keep)));
	}
}

/* IPv4 prefixes count from bit 96 of the mapped address. */
static void make_key(const struct model_pkt *p, unsigned int v4_prefix,
		     unsigned int v6_prefix, __u32 rule_id, struct model_key *k)
{
	memset(k, 0, sizeof(*k));
	mask_addr(p->saddr, p->is_v6 ? v6_prefix : 96 + v4_prefix, k->addr);
	k->rule_id = rule_id;
}

/* Longest prefix wins. No prefix is on both lists: the config loader
 * refuses that, and the fuzzer draws none. */
static __u32 list_lookup(const struct fg_settings *s, const __u8 *saddr)
{
	int best = -1;
	__u32 action = 0;

	for (size_t i = 0; i < s->nallow + s->ndeny; i++) {
		bool deny = i >= s->nallow;
		const struct fg_cidr *c =
		    deny ? &s->deny[i - s->nallow] : &s->allow[i];

		if (!prefix_eq(saddr, c->addr, c->prefixlen))
			continue;
		if ((int)c->prefixlen > best) {
			best = c->prefixlen;
			action = deny ? FG_LIST_DENY : FG_LIST_ALLOW;
		}
	}
	return action;
}

/* ---- rules -------------------------------------------------------------- */

static bool has_class(const struct fg_rule_spec *r, int pclass)
{
	switch (r->protocol) {
	case FG_PROTO_ANY:
		return true;
	case FG_PROTO_TCP:
		return pclass == FG_PCLASS_TCP;
	case FG_PROTO_UDP:
		return pclass == FG_PCLASS_UDP;
	case FG_PROTO_ICMP:
		return pclass == FG_PCLASS_ICMP;
	}
	return false;
}

static bool has_port(const struct fg_rule_spec *r, unsigned int port)
{
	if (!r->nports)
		return true;
	for (unsigned int k = 0; k < r->nports; k++)
		if (port >= r->ports[k].first && port <= r->ports[k].last)
			return true;
	return false;
}

/* First match in config order: protocol and port, or for a packet
 * without a port, protocol and no ports named. 0: the defaults. */
static int rule_slot(const struct fg_settings *s, const struct model_pkt *p)
{
	bool ported = p->has_port && (p->pclass == FG_PCLASS_TCP ||
				      p->pclass == FG_PCLASS_UDP);

	for (unsigned int i = 0; i < s->nrules; i++) {
		const struct fg_rule_spec *r = &s->rules[i];

		if (!has_class(r, p->pclass))
			continue;
		if (ported ? has_port(r, p->dport) : !r->nports)
			return (int)i + 1;
	}
	return FG_RULE_DEFAULT;
}

/* ---- GCRA --------------------------------------------------------------- */

/* ns for `units` at this limit; 0 when it does not apply. */
static __u64 cost(const struct fg_limit *l, __u64 units)
{
	return (__u64)(((unsigned __int128)units * l->interval_fp) >>
		       FG_FP_SHIFT);
}

/* Conforms when the debt after this packet stays within the tolerance. */
static bool conforms(__u64 tat, __u64 now, __u64 c, __u64 tol, __u64 *next)
{
	__u64 start = tat > now ? tat : now;

	*next = start + c;
	return *next - now <= tol;
}

struct bucket {
	__u64 cost[FG_DIM_COUNT], next[FG_DIM_COUNT];
	bool any;
};

static void costs(const struct fg_limit *lim, const struct model_pkt *p,
		  struct bucket *b)
{
	b->cost[FG_DIM_PACKETS] = cost(&lim[FG_DIM_PACKETS], 1);
	b->cost[FG_DIM_BYTES] = cost(&lim[FG_DIM_BYTES], p->len);
	b->cost[FG_DIM_CONNECTIONS] =
	    p->is_syn ? cost(&lim[FG_DIM_CONNECTIONS], 1) : 0;
	b->any = b->cost[0] || b->cost[1] || b->cost[2];
}

/* The first dimension over, or FG_REASON_UNDER_LIMIT with b->next set.
 * e NULL: a key never seen. */
static enum fg_reason check(const struct fg_limit *lim,
			    const struct model_entry *e, __u64 now,
			    struct bucket *b)
{
	for (int d = 0; d < FG_DIM_COUNT; d++) {
		if (b->cost[d] && !conforms(e ? e->tat[d] : 0, now, b->cost[d],
					    lim[d].tolerance_ns, &b->next[d]))
			return dim_reason[d];
	}
	return FG_REASON_UNDER_LIMIT;
}

static void commit(struct model_table *t, const struct model_key *k,
		   const struct bucket *b)
{
	struct model_entry *e = table_find(t, k, true);

	for (int d = 0; e && d < FG_DIM_COUNT; d++)
		if (b->cost[d])
			e->tat[d] = b->next[d];
}

/* The admission of a source new to the table; *no_burst: admitted while
 * the bucket is more than half used. */
static bool admit(struct model *m, __u64 now, bool *no_burst)
{
	const struct fg_limit *a = &m->cfg->admit;
	__u64 next;

	*no_burst = false;
	if (!a->interval_fp)
		return true;
	if (!conforms(m->admit_tat, now, cost(a, 1), a->tolerance_ns, &next))
		return false;
	m->admit_tat = next;
	*no_burst = next > now + a->tolerance_ns / 2;
	return true;
}

static enum fg_reason limit(struct model *m, int slot,
			    const struct model_pkt *p,
			    const struct model_key *key, __u64 now)
{
	const struct fg_rule *rule = &m->cfg->rules[slot];
	const struct fg_rule_spec *spec = slot ? &m->s->rules[slot - 1] : NULL;
	struct model_entry *src = table_find(&m->sources, key, false);
	struct bucket sb = {0}, ab = {0};
	struct model_key agg_key;
	enum fg_reason r;
	bool no_burst;

	costs(rule->limit, p, &sb);
	if (spec && spec->aggregate.enabled)
		costs(rule->agg_limit, p, &ab);
	if (sb.any) {
		r = check(rule->limit, src, now, &sb);
		if (r != FG_REASON_UNDER_LIMIT)
			return r;
	}
	if (ab.any) {
		make_key(p, spec->aggregate.ipv4_prefix,
			 spec->aggregate.ipv6_prefix, rule->id, &agg_key);
		if (check(rule->agg_limit,
			  table_find(&m->aggregates, &agg_key, false), now,
			  &ab) != FG_REASON_UNDER_LIMIT)
			return FG_REASON_RATE_AGGREGATE;
	}
	/* Admission last: a packet another limit drops spends nothing. */
	if (sb.any && !src) {
		if (!admit(m, now, &no_burst))
			return FG_REASON_RATE_NEW_SOURCES;
		/* Admitted under pressure: an empty bucket, not a burst. */
		for (int d = 0; no_burst && d < FG_DIM_COUNT; d++)
			if (sb.cost[d] &&
			    rule->limit[d].tolerance_ns >= sb.cost[d])
				sb.next[d] = now + rule->limit[d].tolerance_ns;
	}
	if (sb.any)
		commit(&m->sources, key, &sb);
	if (ab.any)
		commit(&m->aggregates, &agg_key, &ab);
	return FG_REASON_UNDER_LIMIT;
}

/* ---- the verdict -------------------------------------------------------- */

static bool boxed(struct model *m, const struct model_key *key, __u64 now)
{
	struct model_key any = *key;
	const struct model_entry *e = table_find(&m->box, key, false);

	if (e && e->tat[0] > now)
		return true;
	any.rule_id = FG_RULE_ID_ANY;
	e = table_find(&m->box, &any, false);
	return e && e->tat[0] > now;
}

/* Escalating block, from the spec: the n-th repeat's box is first *
 * factor^n, at most max (a factor of 0 is 1, a max under first is
 * first). */
static __u64 box_ns(const struct fg_rule_spec *spec, __u64 strikes)
{
	__u64 max = spec->block_max_ns > spec->block_ns ? spec->block_max_ns
							: spec->block_ns;
	__u64 factor = spec->block_factor > 1 ? spec->block_factor : 1;
	unsigned __int128 ns = spec->block_ns;

	for (__u64 i = 0; i < strikes && ns < max; i++)
		ns *= factor;
	return ns < max ? (__u64)ns : max;
}

/* The box keeps its deadline in tat[0] and its strikes in tat[1]; an
 * entry whose time is up stays (nothing expires it here), and a boxing
 * within the rule's window after it is a repeat. A box still running
 * stands. */
static void box(struct model *m, const struct fg_rule_spec *spec,
		const struct model_key *key, __u64 now)
{
	struct model_key k = *key;
	struct model_entry *e;
	__u64 strikes = 0;

	if (spec->block_scope == FG_BLOCK_SCOPE_SOURCE)
		k.rule_id = FG_RULE_ID_ANY;
	e = table_find(&m->box, &k, false);
	if (e && e->tat[0] > now)
		return;
	if (e && now - e->tat[0] < spec->block_window_ns)
		strikes = e->tat[1] + 1 < FG_BLOCK_STRIKES_MAX
			      ? e->tat[1] + 1
			      : FG_BLOCK_STRIKES_MAX;
	e = table_find(&m->box, &k, true);
	if (e) {
		e->tat[0] = now + box_ns(spec, strikes);
		e->tat[1] = strikes;
	}
}

static bool over_limit(enum fg_reason r)
{
	return (r >= FG_REASON_RATE_PACKETS && r <= FG_REASON_RATE_AGGREGATE) ||
	       r == FG_REASON_RATE_NEW_SOURCES || r == FG_REASON_FLEET_LIMIT;
}

/* ---- fleet-wide limits -------------------------------------------------- */

/* A rule has a fleet limit only with a fleet to publish to. */
static bool has_fleet(const struct fg_settings *s,
		      const struct fg_rule_spec *spec)
{
	return spec && spec->has_fleet && s->fleet.redis[0];
}

static bool fleet_boxed(struct model *m, const struct model_key *key, __u64 now)
{
	const struct model_entry *e;

	if (!m->fleet_block_active)
		return false;
	e = table_find(&m->fleet_box, key, false);
	return e && e->tat[0] > now;
}

static void fleet_add(struct model *m, const struct model_key *key,
		      const struct model_pkt *p)
{
	struct model_entry *e = table_find(&m->fleet_counts, key, false);

	if (!e) {
		e = table_find(&m->fleet_counts, key, true);
		if (!e)
			return;
		m->fleet_keys++;
	}
	e->tat[0]++;
	e->tat[1] += p->len;
	e->tat[2] += p->is_syn;
}

static void key_from_src(const struct fg_src_key *k, struct model_key *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->addr, k->addr, sizeof(out->addr));
	out->rule_id = k->rule_id;
}

void model_key(const struct model *m, const __u8 saddr[16], bool is_v6,
	       int slot, struct fg_src_key *k)
{
	struct model_pkt p = {.is_v6 = is_v6};
	struct model_key mk;

	memcpy(p.saddr, saddr, sizeof(p.saddr));
	make_key(&p, m->s->ipv4_prefix, m->s->ipv6_prefix,
		 m->cfg->rules[slot].id, &mk);
	memcpy(k->addr, mk.addr, sizeof(k->addr));
	k->rule_id = mk.rule_id;
}

void model_fleet_block_active(struct model *m, bool on)
{
	m->fleet_block_active = on;
}

void model_fleet_block(struct model *m, const struct fg_src_key *k,
		       __u64 until_ns)
{
	struct model_key mk;
	struct model_entry *e;

	key_from_src(k, &mk);
	e = table_find(&m->fleet_box, &mk, true);
	if (e)
		e->tat[0] = until_ns;
}

bool model_fleet_count(struct model *m, const struct fg_src_key *k,
		       struct fg_fleet_count *c)
{
	struct model_key mk;
	const struct model_entry *e;

	key_from_src(k, &mk);
	e = table_find(&m->fleet_counts, &mk, false);
	if (!e)
		return false;
	c->packets = e->tat[0];
	c->bytes = e->tat[1];
	c->connections = e->tat[2];
	return true;
}

long model_fleet_keys(const struct model *m)
{
	return m->fleet_keys;
}

void model_frame(struct model *m, const struct model_pkt *p, __u64 now,
		 bool enabled, bool dry_run, struct model_verdict *v)
{
	const struct fg_settings *s = m->s;
	const struct fg_rule_spec *spec;
	struct model_key key;
	__u32 listed;
	int slot;

	v->action = FG_ACTION_PASS;
	v->rule = -1;
	if (!enabled) {
		v->reason = FG_REASON_DISABLED;
		return;
	}
	if (p->cls == MODEL_NOT_IP) {
		v->reason = FG_REASON_NOT_IP;
		return;
	}
	if (p->cls == MODEL_MALFORMED) {
		v->reason = FG_REASON_MALFORMED;
		if (s->malformed_drop)
			v->action = FG_ACTION_DROP;
		return;
	}
	slot = rule_slot(s, p);
	spec = slot ? &s->rules[slot - 1] : NULL;
	make_key(p, s->ipv4_prefix, s->ipv6_prefix, m->cfg->rules[slot].id,
		 &key);
	listed = list_lookup(s, p->saddr);
	if (listed == FG_LIST_ALLOW) {
		v->reason = FG_REASON_ALLOW_LIST;
		return;
	}
	if (listed == FG_LIST_DENY) {
		v->action = FG_ACTION_DROP;
		v->reason = FG_REASON_DENY_LIST;
		return;
	}
	if (boxed(m, &key, now) && !dry_run) {
		v->action = FG_ACTION_DROP;
		v->reason = FG_REASON_BLOCKED;
		return;
	}
	v->rule = slot;
	/* Dry-run lets a boxed source pass, its limits untouched. The
	 * fleet's block comes before the local limits and spends nothing
	 * of them. */
	if (boxed(m, &key, now))
		v->reason = FG_REASON_DRY_RUN;
	else if (has_fleet(s, spec) && fleet_boxed(m, &key, now))
		v->reason = FG_REASON_FLEET_LIMIT;
	else
		v->reason = limit(m, slot, p, &key, now);
	if (over_limit(v->reason) && dry_run)
		v->reason = FG_REASON_DRY_RUN;
	if (!over_limit(v->reason)) {
		/* What got this far with a malformed tail: `malformed`. */
		if (p->cls == MODEL_TAIL && s->malformed_drop) {
			v->action = FG_ACTION_DROP;
			v->reason = FG_REASON_MALFORMED;
		} else if (p->cls == MODEL_TAIL &&
			   v->reason == FG_REASON_UNDER_LIMIT) {
			v->reason = FG_REASON_MALFORMED;
		}
		/* The fleet counts what passed. */
		if (v->action == FG_ACTION_PASS && has_fleet(s, spec))
			fleet_add(m, &key, p);
		return;
	}
	v->action = FG_ACTION_DROP;
	/* Neither refused admission nor the fleet's verdict is this
	 * source's doing here: no box, no RST. */
	if (v->reason == FG_REASON_RATE_NEW_SOURCES ||
	    v->reason == FG_REASON_FLEET_LIMIT)
		return;
	if (spec && spec->block_ns)
		box(m, spec, &key, now);
	if (spec && spec->action == FG_RULE_ACTION_RESET && p->is_syn &&
	    p->rst_fits)
		v->action = FG_ACTION_RESET;
}
