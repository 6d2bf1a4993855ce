// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "boxexpiry.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>

/* The live config: the windows the datapath boxes with. */
static int live_config(struct fg_maps *m, struct fg_config *cfg)
{
	__u32 slot = __atomic_load_n(&m->ctl_mem->cfg_slot, __ATOMIC_ACQUIRE);

	return bpf_map_lookup_elem(m->cfg, &slot, cfg) ? -errno : 0;
}

/*
 * How long after its box ended an entry is kept: its rule's window, so
 * that the rule's next boxing of the key finds its strikes. The rule is
 * found by the key's rule id (stable across reloads that reorder rules;
 * a rule gone keeps nothing). A source-scoped entry (FG_RULE_ID_ANY)
 * does not say which rule: it keeps the longest window of the config's
 * source-scoped rules. Keeping an entry longer never escalates more:
 * the datapath compares with the boxing rule's own window.
 */
static __u64 entry_window(const struct fg_config *cfg,
			  const struct fg_src_key *k)
{
	__u64 w = 0;

	if (!cfg)
		return FG_BLOCK_NS_MAX; /* unknown: forget nothing early */
	for (__u32 i = 0; i <= cfg->nrules && i < FG_RULE_SLOTS; i++) {
		const struct fg_rule *r = &cfg->rules[i];

		if (k->rule_id == FG_RULE_ID_ANY) {
			if (r->block_scope == FG_BLOCK_SCOPE_SOURCE &&
			    r->block_window_ns > w)
				w = r->block_window_ns;
		} else if (r->id == k->rule_id) {
			return r->block_window_ns;
		}
	}
	return w;
}

struct expiry {
	const struct fg_config *cfg;
	__u64 now;
	long live, live_any, ngone;
	size_t cap;
	struct fg_src_key *gone;
};

static int sort_entry(const struct fg_src_key *k, const struct fg_block *b,
		      void *arg)
{
	struct expiry *x = arg;

	if (b->until_ns > x->now) {
		x->live++;
		x->live_any += k->rule_id == FG_RULE_ID_ANY;
		return 0;
	}
	if (x->now - b->until_ns < entry_window(x->cfg, k))
		return 0; /* remembered: blocks nobody */
	if ((size_t)x->ngone == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 64;
		struct fg_src_key *g = realloc(x->gone, ncap * sizeof(*g));

		if (!g)
			return 1; /* the rest expires next time */
		x->gone = g;
		x->cap = ncap;
	}
	x->gone[x->ngone++] = *k;
	return 0;
}

/* Live entries (time not up), all or those keyed FG_RULE_ID_ANY. */
struct live_count {
	__u64 now;
	bool any_only;
	long n;
};

static int count_live(const struct fg_src_key *k, const struct fg_block *b,
		      void *arg)
{
	struct live_count *c = arg;

	if (b->until_ns > c->now &&
	    (!c->any_only || k->rule_id == FG_RULE_ID_ANY))
		c->n++;
	return 0;
}

/* Clear a flag first, then look: an entry the program adds meanwhile
 * either sees the flag cleared and sets it again, or is seen here. */
static void settle_flag(struct fg_maps *m, __u32 *flag, __u64 now,
			bool any_only)
{
	struct live_count c = {now, any_only, 0};

	__atomic_store_n(flag, 0, __ATOMIC_SEQ_CST);
	fg_blocked_walk(m, count_live, &c);
	if (c.n > 0)
		__atomic_store_n(flag, 1, __ATOMIC_SEQ_CST);
}

long fg_box_expire(struct fg_maps *m, __u64 now, long *still_blocked)
{
	struct fg_ctl *ctl = m->ctl_mem;
	struct fg_config *cfg = malloc(sizeof(*cfg));
	struct expiry x = {.now = now};

	/* Collect first: deleting while walking restarts a hash walk. */
	if (cfg && !live_config(m, cfg))
		x.cfg = cfg;
	fg_blocked_walk(m, sort_entry, &x);
	/* Not fg_blocked_del: these boxes' time is up, and the drops the
	 * verdict caches hold for them end at that same time (by the
	 * program's clock, as the box itself would have). Bumping
	 * verdict_gen here would empty every CPU's cache on every tick
	 * that expires a box. */
	for (long i = 0; i < x.ngone; i++)
		bpf_map_delete_elem(m->blocked, &x.gone[i]);
	free(x.gone);
	free(cfg);
	/* The flags follow the live entries: remembered ones block nobody,
	 * so the program may skip its lookups while only they remain. */
	if (!x.live_any &&
	    __atomic_load_n(&ctl->block_source_active, __ATOMIC_ACQUIRE))
		settle_flag(m, &ctl->block_source_active, now, true);
	if (!x.live && __atomic_load_n(&ctl->block_active, __ATOMIC_ACQUIRE))
		settle_flag(m, &ctl->block_active, now, false);
	*still_blocked = x.live;
	return x.ngone;
}
