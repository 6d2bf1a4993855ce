/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The sampler's memory of each (source, rule): its offered packet count
 * at the last sample and its peak rate's bucket in the current window.
 * Fed one sample at a time, it says which histogram bucket to move a
 * source from and to. Pure (no maps), for the daemon and unit tests.
 * Memory: 48 bytes a slot, 4/3 to 8/3 slots per (source, rule) held.
 */
#ifndef FG_ADVISEPEAKS_H
#define FG_ADVISEPEAKS_H

#include <stdbool.h>
#include <stddef.h>

#include "fg_abi.h"

struct fg_peaks;

struct fg_peaks *fg_peaks_new(void);
void fg_peaks_free(struct fg_peaks *p);

/* What one sample changes in its rule's histogram of `window`. */
struct fg_peak_move {
	int from; /* bucket to take the source from; -1: not yet counted */
	int to;	  /* bucket to count it in; -1 with saturated */
	double pps;
	/* Count it as not measured instead (once a window): its counters
	 * stopped (`stuck`), so its rate is unknown. */
	bool saturated;
};

/*
 * One sample: `total` the (source, rule)'s cumulative offered packets,
 * stuck when one of the counters it adds up stopped at
 * FG_TOP_COUNT_MAX (the datapath's are 32 bits and stop rather than
 * wrap), now_ms a monotonic clock. The first sample of a source the sampler has
 * seen before this pass only sets its baseline; a source not seen at the
 * last pass, or whose count went back (evicted and made again), counts
 * from zero. A source counts in a window once it sent something in it.
 * Returns 1 and *mv when the histogram changes, 0 when not, -ENOMEM.
 */
int fg_peaks_observe(struct fg_peaks *p, const struct fg_src_key *k,
		     __u64 total, bool stuck, __u64 now_ms, __u64 window,
		     struct fg_peak_move *mv);
/* Ends a pass: forgets what it did not see. 0 or -ENOMEM. */
int fg_peaks_end_pass(struct fg_peaks *p);
/* Entries held now. */
size_t fg_peaks_size(const struct fg_peaks *p);

#endif /* FG_ADVISEPEAKS_H */
