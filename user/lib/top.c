// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "top.h"

#include <bpf/bpf.h>
#include <errno.h>
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

/* Reads every (source, rule) entry. */
static long read_all(struct fg_maps *m, struct fg_top_entry **out)
{
	struct fg_src_key cur, next;
	struct fg_top_entry *all = NULL;
	size_t len = 0, cap = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(m->sources, prev, &next)) {
		struct fg_src_state st;

		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(m->sources, &cur, &st))
			continue; /* evicted meanwhile */
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct fg_top_entry *n =
			    realloc(all, ncap * sizeof(*all));

			if (!n) {
				free(all);
				return -ENOMEM;
			}
			all = n;
			cap = ncap;
		}
		memcpy(all[len].addr, cur.addr, 16);
		all[len].passed = st.passed;
		all[len].dropped = st.dropped;
		all[len].rules = 1;
		len++;
	}
	*out = all;
	return (long)len;
}

long fg_top_sources(struct fg_maps *m, enum fg_top_by by, size_t n,
		    struct fg_top_entry *out, size_t *total)
{
	struct fg_top_entry *all = NULL;
	long len = read_all(m, &all);
	size_t merged = 0;

	if (len <= 0) {
		*total = 0;
		return len;
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
