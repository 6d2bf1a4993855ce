/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's sampler for `floodgate advise`: every second, each
 * (source, rule)'s offered packet rate from fg_sources; each source's
 * peak per window; per (window, rule) a histogram of those peaks in the
 * pinned fg_advise ring, rewritten every pass so the CLI sees the open
 * window too. Its own thread: a pass over a full table takes tens of
 * milliseconds, never on the main loop's path.
 */
#ifndef FG_SAMPLER_H
#define FG_SAMPLER_H

#include "mapio.h"

#define FG_ADVISE_INTERVAL_MS 1000
#define FG_ADVISE_WINDOW_S 300

struct fg_sampler;

/* Starts the thread; maps must outlive it. NULL and errno on failure. */
struct fg_sampler *fg_sampler_start(struct fg_maps *maps);
void fg_sampler_stop(struct fg_sampler *s);

/* One pass, for the benchmark: returns the entries read or -errno. */
long fg_sampler_pass(struct fg_sampler *s);
/* The state without the thread (benchmarks, tests). */
struct fg_sampler *fg_sampler_new(struct fg_maps *maps);
void fg_sampler_free(struct fg_sampler *s);

#endif /* FG_SAMPLER_H */
