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

long fg_top_sources(struct fg_maps *m, enum fg_top_by by, size_t n,
		    struct fg_top_entry *out, size_t *total)
{
	struct fg_top_entry *all = NULL;
	long len = read_all(m, &all);
	size_t merged = 0;

	if (len <= 0 || !all) {
		*total = 0;
		free(all);
		return len < 0 ? len : 0;
	}
	qsort(all, (size_t)len, sizeof(*all), by_addr);
	for (long i = 0; i < len; i++) {
		if (merged && !memcmp(all[merged - 1].addr, all[i].addr, 16)) {
			all[merged - 1].passed += all[i].passed;
			all[merged - 1].dropped += all[i].dropped;
			all[merged - 1].rules++;
		} else {
			all[merged++] = all[i];
		}
	}
	qsort(all, merged, sizeof(*all),
	      by == FG_TOP_BY_DROPS ? by_drops : by_packets);
	if (n > merged)
		n = merged;
	if (n)
		memcpy(out, all, n * sizeof(*out));
	*total = merged;
	free(all);
	return (long)n;
}
