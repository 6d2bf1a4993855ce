/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Admission of new sources (table pressure, DESIGN.md §2): a source not
 * in the table must first pass the global admission limit
 * (fg_config.admit), so a flood of spoofed sources churns the LRU no
 * faster than that rate; known sources, which refresh their entry with
 * every packet, keep their state. A source admitted while the admission
 * bucket is more than half used starts with an empty bucket instead of a
 * full burst: a limited source that lost its entry cannot win back a
 * burst by churning the table.
 */
#ifndef FG_ADMIT_H
#define FG_ADMIT_H

#include "bucket.h"
#include "fg_gcra.h"
#include "maps.h"

/*
 * Admission of a source the table does not know. Returns
 * FG_REASON_UNDER_LIMIT (admitted; *no_burst says whether it starts with
 * an empty bucket) or FG_REASON_RATE_NEW_SOURCES.
 */
static __always_inline __u32 fg_admit_source(const struct fg_config *cfg,
					     __u64 now, int *no_burst)
{
	struct fg_admit_state *a;
	__u32 zero = 0;
	__u64 tat, next, cost = fg_gcra_cost(&cfg->admit, 1);

	*no_burst = 0;
	if (!cfg->admit.interval_fp)
		return FG_REASON_UNDER_LIMIT;
	a = bpf_map_lookup_elem(&fg_admit, &zero);
	if (!a)
		return FG_REASON_UNDER_LIMIT; /* fail open */
	tat = READ_ONCE_U64(&a->tat);
	if (!fg_gcra_conforms(tat, now, cost, cfg->admit.tolerance_ns, &next))
		return FG_REASON_RATE_NEW_SOURCES;
	if (fg_commit_one(&a->tat, tat, next, cost, cfg->admit.tolerance_ns,
			  now))
		return FG_REASON_RATE_NEW_SOURCES;
	*no_burst = next > now + cfg->admit.tolerance_ns / 2;
	return FG_REASON_UNDER_LIMIT;
}

#endif /* FG_ADMIT_H */
