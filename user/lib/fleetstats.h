/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the daemon's fleet job reports, for /metrics (prom.c). */
#ifndef FG_FLEETSTATS_H
#define FG_FLEETSTATS_H

#include <stdbool.h>

#include "fleetredis.h"

/* floodgate_fleet_sync_duration_seconds buckets (upper bounds, s). */
#define FG_FLEET_SYNC_BUCKETS 10
extern const double fg_fleet_sync_bounds[FG_FLEET_SYNC_BUCKETS];

struct fg_fleet_stats {
	bool configured; /* fleet.redis set */
	bool up;	 /* the last sync reached Redis */
	unsigned int hosts;
	unsigned long long sync_bucket[FG_FLEET_SYNC_BUCKETS]; /* cumulative */
	unsigned long long sync_count;
	double sync_sum_s;
	unsigned long long errors[FG_FLEET_OP_COUNT];
	unsigned long long published_sources; /* items sent, total */
	unsigned long long commands, bytes_sent;
	unsigned long long blocks_applied; /* fleet blocks written */
	/* pulled entries skipped: malformed, or for a rule without a fleet
	 * limit here */
	unsigned long long blocks_refused;
};

/* Counts one sync of `seconds` into the histogram. */
void fg_fleet_stats_observe(struct fg_fleet_stats *s, double seconds);

#endif /* FG_FLEETSTATS_H */
