// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "advisepeaks.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "advise.h"

#define MIN_CAP 1024

/* 48 bytes: a full table of 262 144 sources is 25 MB. */
struct peak {
	struct fg_src_key key;
	__u32 pass;   /* the pass that saw it last; 0: a free slot */
	__u64 total;  /* offered packets at that pass */
	__u32 at_ms;  /* ... and when (mod 2^32: only differences count) */
	__u32 window; /* the window its peak belongs to (mod 2^32) */
	__u16 peak;   /* its peak's bucket in that window */
	__u8 counted; /* counted in that window's histogram */
	__u8 stuck;   /* counted as saturated in that window */
};
_Static_assert(sizeof(struct peak) == 48, "peak size");

struct fg_peaks {
	struct peak *slot;
	size_t cap, used, seen; /* seen: entries of the current pass */
	__u32 pass;		/* the current pass, from 1 */
	bool first;		/* nothing sampled before this pass */
};

/* cap is a power of two. */
static size_t hash(const struct fg_src_key *k, size_t cap)
{
	__u64 h = k->rule_id;

	for (int i = 0; i < 4; i++)
		h = (h ^ k->addr[i]) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32 ^ h) & (cap - 1);
}

static struct peak *find(struct peak *slot, size_t cap,
			 const struct fg_src_key *k)
{
	size_t i = hash(k, cap);

	while (slot[i].pass && memcmp(&slot[i].key, k, sizeof(*k)))
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

struct fg_peaks *fg_peaks_new(void)
{
	struct fg_peaks *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->slot = calloc(MIN_CAP, sizeof(*p->slot));
	if (!p->slot) {
		free(p);
		return NULL;
	}
	p->cap = MIN_CAP;
	p->pass = 1;
	p->first = true;
	return p;
}

void fg_peaks_free(struct fg_peaks *p)
{
	if (!p)
		return;
	free(p->slot);
	free(p);
}

/* Into a table of cap slots, keeping the entries of passes >= keep. */
static int rebuild(struct fg_peaks *p, size_t cap, __u32 keep)
{
	struct peak *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	p->used = 0;
	for (size_t i = 0; i < p->cap; i++) {
		if (!p->slot[i].pass || p->slot[i].pass < keep)
			continue;
		*find(n, cap, &p->slot[i].key) = p->slot[i];
		p->used++;
	}
	free(p->slot);
	p->slot = n;
	p->cap = cap;
	return 0;
}

int fg_peaks_observe(struct fg_peaks *p, const struct fg_src_key *k,
		     __u64 total, bool stuck, __u64 now_ms, __u64 window,
		     struct fg_peak_move *mv)
{
	struct peak *e;
	__u64 delta;
	__u32 dt_ms;
	unsigned int b;

	/* At most 3/4 full: probes stay short. */
	if ((p->used + 1) * 4 > p->cap * 3 && rebuild(p, p->cap * 2, 1))
		return -ENOMEM;
	e = find(p->slot, p->cap, k);
	if (!e->pass) {
		e->key = *k;
		p->used++;
		e->pass = p->pass;
		e->total = total;
		e->at_ms = (__u32)now_ms;
		e->counted = 0;
		e->stuck = 0;
		p->seen++;
		/* Seen before this pass: only the baseline. New since the
		 * last pass: it sent `total` since then. */
		if (p->first)
			return 0;
		delta = total;
		dt_ms = 0;
	} else {
		if (e->pass != p->pass)
			p->seen++;
		e->pass = p->pass;
		delta = total >= e->total ? total - e->total : total;
		dt_ms = (__u32)now_ms - e->at_ms;
		e->total = total;
		e->at_ms = (__u32)now_ms;
	}
	if (e->window != (__u32)window)
		e->counted = e->stuck = 0;
	e->window = (__u32)window;
	mv->saturated = false;
	if (stuck) {
		/* No rate to take from counters that stopped: said, not
		 * guessed (a peak of 0 would hide a heavy source). */
		if (e->stuck)
			return 0;
		e->stuck = 1;
		mv->from = mv->to = -1;
		mv->pps = 0;
		mv->saturated = true;
		return 1;
	}
	if (!delta)
		return 0;
	/* A new source's time is unknown: at most a pass, taken as one
	 * second, the sampling interval. */
	mv->pps = (double)delta * 1000.0 / (double)(dt_ms ? dt_ms : 1000);
	b = fg_advise_bucket(mv->pps);
	if (e->counted && b <= e->peak)
		return 0;
	mv->from = e->counted ? (int)e->peak : -1;
	mv->to = (int)b;
	e->peak = (__u16)b;
	e->counted = 1;
	return 1;
}

int fg_peaks_end_pass(struct fg_peaks *p)
{
	size_t want = MIN_CAP;
	int err = 0;

	while (want < p->seen * 2)
		want *= 2;

	/* Forget the departed when they are the larger part. */
	if (p->used > 2 * p->seen + MIN_CAP)
		err = rebuild(p, want, p->pass);
	p->pass++;
	p->seen = 0;
	p->first = false;
	return err;
}

size_t fg_peaks_size(const struct fg_peaks *p)
{
	return p->used;
}
