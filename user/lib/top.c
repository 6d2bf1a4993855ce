// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "top.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int by_addr(const void *a, const void *b)
{
	return memcmp(((const struct fg_top_entry *)a)->addr,
		      ((const struct fg_top_entry *)b)->addr, 16);
}

static int by_drops(const void *a, const void *b)
{
	const struct fg_top_entry *x = a, *y = b;

	if (x->dropped != y->dropped)
		return x->dropped < y->dropped ? 1 : -1;
	if (x->passed != y->passed)
		return x->passed < y->passed ? 1 : -1;
	return by_addr(a, b);
}

static int by_packets(const void *a, const void *b)
{
	const struct fg_top_entry *x = a, *y = b;
	__u64 px = x->passed + x->dropped, py = y->passed + y->dropped;

	if (px != py)
		return px < py ? 1 : -1;
	return by_addr(a, b);
}

static int append(struct fg_top_entry **all, size_t *len, size_t *cap,
		  const struct fg_src_key *k, const struct fg_src_state *st)
{
	struct fg_top_entry *e;

	if (*len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		struct fg_top_entry *n = realloc(*all, ncap * sizeof(**all));

		if (!n)
			return -ENOMEM;
		*all = n;
		*cap = ncap;
	}
	e = &(*all)[(*len)++];
	memcpy(e->addr, k->addr, 16);
	e->passed = st->passed;
	e->dropped = st->dropped;
	e->rules = 1;
	return 0;
}

#define TOP_BATCH 8192

/* Reads every (source, rule) entry, in batches: a million entries take
 * a third of the time of one lookup per key. Returns -ENOTSUP where the
 * kernel has no batch lookup for the map. */
static long read_batched(struct fg_maps *m, struct fg_top_entry **all)
{
	static struct fg_src_key keys[TOP_BATCH];
	static struct fg_src_state vals[TOP_BATCH];
	struct fg_src_key token;
	size_t len = 0, cap = 0;
	bool first = true, done = false;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	while (!done) {
		__u32 n = TOP_BATCH;
		int err =
		    bpf_map_lookup_batch(m->sources, first ? NULL : &token,
					 &token, keys, vals, &n, &opts);

		if (err && errno != ENOENT) {
			err = -errno;
			free(*all);
			*all = NULL;
			return err == -EINVAL ? -ENOTSUP : err;
		}
		done = err != 0; /* ENOENT: this was the last batch */
		first = false;
		for (__u32 i = 0; i < n; i++) {
			if (append(all, &len, &cap, &keys[i], &vals[i])) {
				free(*all);
				*all = NULL;
				return -ENOMEM;
			}
		}
	}
	return (long)len;
}

/* One lookup per key: for kernels without batch lookups. */
static long read_walk(struct fg_maps *m, struct fg_top_entry **all)
{
	struct fg_src_key cur, next;
	size_t len = 0, cap = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(m->sources, prev, &next)) {
		struct fg_src_state st;

		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(m->sources, &cur, &st))
			continue; /* evicted meanwhile */
		if (append(all, &len, &cap, &cur, &st)) {
			free(*all);
			*all = NULL;
			return -ENOMEM;
		}
	}
	return (long)len;
}

static long read_all(struct fg_maps *m, struct fg_top_entry **out)
{
	long n;

	*out = NULL;
	n = read_batched(m, out);
	if (n == -ENOTSUP)
		n = read_walk(m, out);
	return n;
}

/* Merges a source's entries (one per rule) into one, in place; all
 * sorted by address. Returns how many remain. */
static size_t merge_rules(struct fg_top_entry *all, size_t len)
{
	size_t merged = 0;

	qsort(all, len, sizeof(*all), by_addr);
	for (size_t i = 0; i < len; i++) {
		if (merged && !memcmp(all[merged - 1].addr, all[i].addr, 16)) {
			all[merged - 1].passed += all[i].passed;
			all[merged - 1].dropped += all[i].dropped;
			all[merged - 1].rules++;
		} else {
			all[merged++] = all[i];
		}
	}
	return merged;
}

long fg_top_read(struct fg_maps *m, struct fg_top_entry **out, size_t *entries)
{
	long len = read_all(m, out);

	*entries = len > 0 ? (size_t)len : 0;
	if (len <= 0 || !*out)
		return len < 0 ? len : 0;
	return (long)merge_rules(*out, (size_t)len);
}

long fg_top_sources(struct fg_maps *m, enum fg_top_by by, size_t n,
		    struct fg_top_entry *out, size_t *total)
{
	struct fg_top_entry *all = NULL;
	size_t entries;
	long merged = fg_top_read(m, &all, &entries);

	if (merged <= 0) {
		*total = 0;
		free(all);
		return merged;
	}
	qsort(all, (size_t)merged, sizeof(*all),
	      by == FG_TOP_BY_DROPS ? by_drops : by_packets);
	if (n > (size_t)merged)
		n = (size_t)merged;
	if (n)
		memcpy(out, all, n * sizeof(*out));
	*total = (size_t)merged;
	free(all);
	return (long)n;
}

/* cur - prev, or cur when the count went back (a new entry). */
static __u64 since(__u64 cur, __u64 prev)
{
	return cur >= prev ? cur - prev : cur;
}

static int by_packet_rate(const void *a, const void *b)
{
	const struct fg_top_rate *x = a, *y = b;
	double px = x->pass_pps + x->drop_pps, py = y->pass_pps + y->drop_pps;

	if (px != py)
		return px < py ? 1 : -1;
	return memcmp(x->addr, y->addr, 16);
}

static int by_rate(const void *a, const void *b)
{
	const struct fg_top_rate *x = a, *y = b;

	if (x->drop_pps != y->drop_pps)
		return x->drop_pps < y->drop_pps ? 1 : -1;
	if (x->pass_pps != y->pass_pps)
		return x->pass_pps < y->pass_pps ? 1 : -1;
	return memcmp(x->addr, y->addr, 16);
}

void fg_top_rates(const struct fg_top_entry *prev, size_t nprev,
		  const struct fg_top_entry *cur, size_t ncur, double dt_s,
		  enum fg_top_by by, struct fg_top_rate *out)
{
	size_t j = 0;

	for (size_t i = 0; i < ncur; i++) {
		const struct fg_top_entry *c = &cur[i];
		__u64 p_passed = 0, p_dropped = 0;
		struct fg_top_rate *r = &out[i];

		while (j < nprev && memcmp(prev[j].addr, c->addr, 16) < 0)
			j++;
		if (j < nprev && !memcmp(prev[j].addr, c->addr, 16)) {
			p_passed = prev[j].passed;
			p_dropped = prev[j].dropped;
		}
		memcpy(r->addr, c->addr, 16);
		r->passed = c->passed;
		r->dropped = c->dropped;
		r->pass_pps =
		    dt_s > 0 ? (double)since(c->passed, p_passed) / dt_s : 0;
		r->drop_pps =
		    dt_s > 0 ? (double)since(c->dropped, p_dropped) / dt_s : 0;
		r->state = r->drop_pps > 0 ? FG_TOP_LIMITED : FG_TOP_OK;
	}
	qsort(out, ncur, sizeof(*out),
	      by == FG_TOP_BY_PACKETS ? by_packet_rate : by_rate);
}

struct held {
	__u64 now;
	struct fg_top_rate *r;
	size_t n;
	enum fg_top_state state;
};

static int mark_one(const struct fg_src_key *k, const struct fg_block *b,
		    void *arg)
{
	struct held *h = arg;

	if (b->until_ns <= h->now)
		return 0; /* expired: the daemon deletes it soon */
	/* Few sources are held, and n is what fits a screen: a scan. */
	for (size_t i = 0; i < h->n; i++)
		if (!memcmp(h->r[i].addr, k->addr, 16) &&
		    h->r[i].state < h->state)
			h->r[i].state = h->state;
	return 0;
}

int fg_top_mark_held(struct fg_maps *m, __u64 now_ns, struct fg_top_rate *r,
		     size_t n)
{
	struct held h = {now_ns, r, n, FG_TOP_FLEET_BLOCKED};
	long rc = fg_fleet_blocked_walk(m, mark_one, &h);

	if (rc < 0)
		return (int)rc;
	h.state = FG_TOP_BLOCKED;
	rc = fg_blocked_walk(m, mark_one, &h);
	return rc < 0 ? (int)rc : 0;
}

const char *fg_top_state_label(enum fg_top_state s)
{
	switch (s) {
	case FG_TOP_LIMITED:
		return "limited";
	case FG_TOP_FLEET_BLOCKED:
		return "fleet-blocked";
	case FG_TOP_BLOCKED:
		return "blocked";
	default:
		return "";
	}
}
