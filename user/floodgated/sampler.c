// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "sampler.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advise.h"
#include "advisepeaks.h"
#include "advisestore.h"
#include "log.h"

#define BATCH 8192
#define NS_PER_MS 1000000ULL

/* One rule's histogram of the open window, and where it goes. */
struct open_hist {
	struct fg_advise_hist h;
	__u32 idx; /* ring index */
};

struct fg_sampler {
	struct fg_maps *maps;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;

	struct fg_peaks *peaks;
	struct fg_src_key keys[BATCH];
	struct fg_src_state vals[BATCH];
	struct fg_advise_rule rules[FG_RULE_SLOTS];
	long nrules;
	__u64 window; /* start of the open window, CLOCK_REALTIME s */
	struct open_hist open[FG_RULE_SLOTS];
	unsigned int nopen;
	__u32 cursor;			/* the ring's next free index */
	struct fg_advise_hist *scratch; /* FG_ADVISE_ENTRIES */
	__u32 *scratch_idx;
	bool warned;
};

static __u64 mono_ms(void)
{
	return fg_monotonic_ns() / NS_PER_MS;
}

/* The ring's next index: after the newest entry already there, so a
 * restarted daemon goes on where its predecessor stopped. */
static void find_cursor(struct fg_sampler *s)
{
	long n = fg_advise_read(s->maps, s->scratch, s->scratch_idx);
	__u64 newest = 0;

	s->cursor = 0;
	for (long i = 0; i < n; i++) {
		if (s->scratch[i].start_s >= newest) {
			newest = s->scratch[i].start_s;
			s->cursor = (s->scratch_idx[i] + 1) % FG_ADVISE_ENTRIES;
		}
	}
}

/* The open window's histogram of rule r (a live rule), made on first use:
 * an entry the ring already holds for this window and rule (a restarted
 * daemon) is taken over and starts anew. */
static struct open_hist *open_for(struct fg_sampler *s,
				  const struct fg_advise_rule *r)
{
	struct open_hist *o;
	long n;

	for (unsigned int i = 0; i < s->nopen; i++)
		if (s->open[i].h.rule_id == r->id)
			return &s->open[i];
	if (s->nopen >= FG_RULE_SLOTS)
		return NULL;
	o = &s->open[s->nopen++];
	memset(o, 0, sizeof(*o));
	o->idx = s->cursor;
	n = fg_advise_read(s->maps, s->scratch, s->scratch_idx);
	for (long i = 0; i < n; i++)
		if (s->scratch[i].start_s == s->window &&
		    s->scratch[i].rule_id == r->id)
			o->idx = s->scratch_idx[i];
	if (o->idx == s->cursor)
		s->cursor = (s->cursor + 1) % FG_ADVISE_ENTRIES;
	o->h.start_s = s->window;
	o->h.window_s = FG_ADVISE_WINDOW_S;
	o->h.rule_id = r->id;
	o->h.interval_ms = FG_ADVISE_INTERVAL_MS;
	memcpy(o->h.rule, r->name, sizeof(o->h.rule)); /* both NUL-ended */
	return o;
}

static const struct fg_advise_rule *live_rule(struct fg_sampler *s, __u32 id)
{
	for (long i = 0; i < s->nrules; i++)
		if (s->rules[i].id == id)
			return &s->rules[i];
	return NULL; /* state of a rule a reload removed */
}

static int observe(struct fg_sampler *s, const struct fg_src_key *k,
		   const struct fg_src_state *st, __u64 now_ms)
{
	__u64 total = (__u64)st->passed + st->dropped + st->would_drop;
	bool stuck = st->passed >= FG_TOP_COUNT_MAX ||
		     st->dropped >= FG_TOP_COUNT_MAX ||
		     st->would_drop >= FG_TOP_COUNT_MAX;
	const struct fg_advise_rule *r;
	struct fg_peak_move mv;
	struct open_hist *o;
	int rc;

	rc =
	    fg_peaks_observe(s->peaks, k, total, stuck, now_ms, s->window, &mv);
	if (rc <= 0)
		return rc;
	r = live_rule(s, k->rule_id);
	o = r ? open_for(s, r) : NULL;
	if (!o)
		return 0;
	if (mv.saturated) {
		o->h.saturated++;
		return 0;
	}
	if (mv.from >= 0 && o->h.count[mv.from])
		o->h.count[mv.from]--;
	o->h.count[mv.to]++;
	return 0;
}

long fg_sampler_pass(struct fg_sampler *s)
{
	__u64 window = (__u64)time(NULL);
	struct fg_src_key token;
	bool first = true, done = false;
	long seen = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	window -= window % FG_ADVISE_WINDOW_S;
	if (window != s->window) {
		s->window = window;
		s->nopen = 0;
	}
	s->nrules = fg_advise_live_rules(s->maps, s->rules);
	if (s->nrules < 0)
		return s->nrules;
	while (!done) {
		__u32 n = BATCH;
		int err = bpf_map_lookup_batch(s->maps->sources,
					       first ? NULL : &token, &token,
					       s->keys, s->vals, &n, &opts);
		__u64 now = mono_ms();

		if (err && errno != ENOENT)
			return -errno;
		done = err != 0; /* ENOENT: this was the last batch */
		first = false;
		for (__u32 i = 0; i < n; i++)
			if (observe(s, &s->keys[i], &s->vals[i], now))
				return -ENOMEM;
		seen += n;
	}
	if (fg_peaks_end_pass(s->peaks))
		return -ENOMEM;
	for (unsigned int i = 0; i < s->nopen; i++) {
		struct open_hist *o = &s->open[i];
		int err;

		/* Every pass, dirty or not: the sample count moves, and
		 * at most FG_RULE_SLOTS writes of 1.6 KB cost nothing. */
		o->h.samples++;
		err = fg_advise_write(s->maps, o->idx, &o->h);
		if (err)
			return err;
	}
	return seen;
}

struct fg_sampler *fg_sampler_new(struct fg_maps *maps)
{
	struct fg_sampler *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->maps = maps;
	s->peaks = fg_peaks_new();
	s->scratch = calloc(FG_ADVISE_ENTRIES, sizeof(*s->scratch));
	s->scratch_idx = calloc(FG_ADVISE_ENTRIES, sizeof(*s->scratch_idx));
	if (!s->peaks || !s->scratch || !s->scratch_idx) {
		fg_sampler_free(s);
		errno = ENOMEM;
		return NULL;
	}
	find_cursor(s);
	return s;
}

void fg_sampler_free(struct fg_sampler *s)
{
	if (!s)
		return;
	fg_peaks_free(s->peaks);
	free(s->scratch);
	free(s->scratch_idx);
	free(s);
}

static void *run(void *arg)
{
	struct fg_sampler *s = arg;
	struct timespec until;
	__u64 t0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		long n;

		pthread_mutex_unlock(&s->lock);
		t0 = fg_monotonic_ns();
		n = fg_sampler_pass(s);
		log_debug("advise pass", "entries=%ld ms=%.1f tracked=%zu", n,
			  (double)(fg_monotonic_ns() - t0) / 1e6,
			  fg_peaks_size(s->peaks));
		if (n < 0 && !s->warned)
			log_warn("advise sampling failed; retrying each second",
				 "error=%s", fg_q(strerror((int)-n)));
		s->warned = n < 0;
		until.tv_sec += FG_ADVISE_INTERVAL_MS / 1000;
		pthread_mutex_lock(&s->lock);
		while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock,
							  &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct fg_sampler *fg_sampler_start(struct fg_maps *maps)
{
	struct fg_sampler *s = fg_sampler_new(maps);
	pthread_condattr_t ca;
	int err;

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&s->thread, NULL, run, s);
	if (err) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		fg_sampler_free(s);
		errno = err;
		return NULL;
	}
	return s;
}

void fg_sampler_stop(struct fg_sampler *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	fg_sampler_free(s);
}
