// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "fleetstats.h"

/* A sync is one round trip on a LAN: about a millisecond; the top
 * buckets catch a slow or overloaded Redis before the timeout. */
const double fg_fleet_sync_bounds[FG_FLEET_SYNC_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
};

void fg_fleet_stats_observe(struct fg_fleet_stats *s, double seconds)
{
	for (int i = 0; i < FG_FLEET_SYNC_BUCKETS; i++)
		if (seconds <= fg_fleet_sync_bounds[i])
			s->sync_bucket[i]++;
	s->sync_count++;
	s->sync_sum_s += seconds;
}
