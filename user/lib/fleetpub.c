// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "fleetpub.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"

#define NS_PER_SEC 1000000000ULL
#define TABLE_MIN 1024 /* slots; always a power of two */

void fg_fleet_rules_build(const struct fg_settings *s, const __u8 *rule_slot,
			  struct fg_fleet_rules *out)
{
	double floor_ns = 2.0 * (double)s->fleet.sync_ns;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < s->nrules; i++) {
		const struct fg_rule_spec *r = &s->rules[i];
		struct fg_fleet_rule *f = &out->rule[out->n];

		if (!r->has_fleet)
			continue;
		f->id = fg_rule_id(r->name);
		f->slot = rule_slot ? rule_slot[i] : 0;
		for (int d = 0; d < FG_DIM_COUNT; d++) {
			const struct fg_dim_limit *l = &r->fleet[d];
			double iv;

			if (!l->rate.amount)
				continue;
			iv = (double)l->rate.per_ns / (double)l->rate.amount;
			f->interval_ns[d] = iv;
			f->tolerance_ns[d] = (double)l->burst * iv;
			if (f->tolerance_ns[d] < floor_ns)
				f->tolerance_ns[d] = floor_ns;
		}
		out->n++;
	}
}

const struct fg_fleet_rule *fg_fleet_rule_find(const struct fg_fleet_rules *r,
					       __u32 id)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (r->rule[i].id == id)
			return &r->rule[i];
	return NULL;
}

double fg_fleet_threshold_ns(__u64 sync_ns, unsigned int hosts)
{
	return (double)sync_ns / (8.0 * (hosts ? hosts : 1));
}

__u64 fg_fleet_carry_ns(__u64 sync_ns)
{
	return 4 * sync_ns > NS_PER_SEC ? 4 * sync_ns : NS_PER_SEC;
}

__u64 fg_fleet_delta(__u64 cur, __u64 base)
{
	return cur >= base ? cur - base : cur;
}

/* What was last published for a source, and since when it carries. */
struct entry {
	struct fg_src_key key;
	__u32 used;
	__u64 base[FG_DIM_COUNT];
	__u64 since_ns;
};

/* Two tables by turns: each period rebuilds the live one from the map,
 * so sources gone from the map drop out without deletions. */
struct fg_fleet_table {
	struct entry *cur, *next;
	size_t cap, next_cap, used;
	bool primed;
};

struct fg_fleet_table *fg_fleet_table_new(void)
{
	return calloc(1, sizeof(struct fg_fleet_table));
}

void fg_fleet_table_free(struct fg_fleet_table *t)
{
	if (!t)
		return;
	free(t->cur);
	free(t->next);
	free(t);
}

size_t fg_fleet_table_size(const struct fg_fleet_table *t)
{
	return t->used;
}

static size_t key_hash(const struct fg_src_key *k)
{
	__u64 h = 0x9e3779b97f4a7c15ULL ^ k->rule_id;

	for (int i = 0; i < 4; i++) {
		h ^= k->addr[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	return (size_t)h;
}

/* The slot of k in tab (cap a power of two, never full): its entry, or
 * the free slot where it goes. */
static struct entry *slot_of(struct entry *tab, size_t cap,
			     const struct fg_src_key *k)
{
	size_t i = key_hash(k) & (cap - 1);

	while (tab[i].used && memcmp(&tab[i].key, k, sizeof(*k)))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int prepare_next(struct fg_fleet_table *t, size_t n)
{
	size_t want = TABLE_MIN;

	while (want < 2 * n)
		want *= 2;
	if (want != t->next_cap) {
		struct entry *e = calloc(want, sizeof(*e));

		if (!e)
			return -ENOMEM;
		free(t->next);
		t->next = e;
		t->next_cap = want;
	} else {
		memset(t->next, 0, want * sizeof(*t->next));
	}
	return 0;
}

/* The charge of one source this period. Returns whether it qualifies
 * for publication (its baseline moves once it is chosen); moves the
 * baseline now when the remainder is dropped. */
static bool charge(struct entry *e, const struct fg_fleet_rule *r,
		   const struct fg_fleet_count *v,
		   const struct fg_fleet_period *p, struct fg_fleet_item *it)
{
	const __u64 cur[FG_DIM_COUNT] = {v->packets, v->bytes, v->connections};
	double most = 0, thr = fg_fleet_threshold_ns(p->sync_ns, p->hosts);
	bool publish;

	for (int d = 0; d < FG_DIM_COUNT; d++) {
		double c = (double)fg_fleet_delta(cur[d], e->base[d]) *
			   r->interval_ns[d];

		it->charge_ns[d] = c;
		it->tolerance_ns[d] = r->tolerance_ns[d];
		if (c > most)
			most = c;
	}
	publish = p->publish && most > 0 && most >= thr;
	if (!publish && (!p->publish || p->now_ns - e->since_ns >=
					    fg_fleet_carry_ns(p->sync_ns))) {
		memcpy(e->base, cur, sizeof(e->base));
		e->since_ns = p->now_ns;
	}
	it->key = e->key;
	memcpy(it->counts, cur, sizeof(it->counts));
	return publish;
}

static double largest_charge(const struct fg_fleet_item *it)
{
	double m = 0;

	for (int d = 0; d < FG_DIM_COUNT; d++)
		if (it->charge_ns[d] > m)
			m = it->charge_ns[d];
	return m;
}

static int by_charge_desc(const void *a, const void *b)
{
	double x = largest_charge(a), y = largest_charge(b);

	return (x < y) - (x > y);
}

long fg_fleet_table_period(struct fg_fleet_table *t,
			   const struct fg_fleet_rules *rules,
			   const struct fg_src_key *keys,
			   const struct fg_fleet_count *vals, size_t n,
			   const struct fg_fleet_period *p,
			   struct fg_fleet_item *out)
{
	struct entry *swap;
	size_t swap_cap, max;
	long nout = 0;

	if (prepare_next(t, n))
		return -ENOMEM;
	t->used = 0;
	for (size_t i = 0; i < n; i++) {
		const struct fg_fleet_rule *r =
		    fg_fleet_rule_find(rules, keys[i].rule_id);
		struct entry *old =
		    t->cur ? slot_of(t->cur, t->cap, &keys[i]) : NULL;
		struct entry *e = slot_of(t->next, t->next_cap, &keys[i]);

		if (e->used)
			continue; /* a key twice in one read */
		e->used = 1;
		e->key = keys[i];
		t->used++;
		if (old && old->used) {
			memcpy(e->base, old->base, sizeof(e->base));
			e->since_ns = old->since_ns;
		} else if (!t->primed) {
			e->base[0] = vals[i].packets;
			e->base[1] = vals[i].bytes;
			e->base[2] = vals[i].connections;
			e->since_ns = p->now_ns;
			continue;
		} else {
			e->since_ns = p->now_ns; /* new: all of it is new */
		}
		if (!r) {
			/* No fleet limit (any more): nothing to carry. */
			e->base[0] = vals[i].packets;
			e->base[1] = vals[i].bytes;
			e->base[2] = vals[i].connections;
			continue;
		}
		if (charge(e, r, &vals[i], p, &out[nout]))
			nout++;
	}
	swap = t->cur;
	swap_cap = t->cap;
	t->cur = t->next;
	t->cap = t->next_cap;
	t->next = swap;
	t->next_cap = swap_cap;
	t->primed = true;

	max = p->max_items ? p->max_items : FG_FLEET_PUBLISH_MAX;
	if ((size_t)nout > max) {
		qsort(out, (size_t)nout, sizeof(*out), by_charge_desc);
		nout = (long)max;
	}
	for (long i = 0; i < nout; i++) {
		struct entry *e = slot_of(t->cur, t->cap, &out[i].key);

		memcpy(e->base, out[i].counts, sizeof(e->base));
		e->since_ns = p->now_ns;
	}
	return nout;
}
