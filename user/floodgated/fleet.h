/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's fleet job (DESIGN.md §8): every sync period, publish what
 * the fleet's rules passed here, pull the fleet's blocks into
 * fg_fleet_blocked, expire them. Runs in its own thread: Redis is never
 * on the main loop's path, and every Redis call has a timeout. Redis
 * away: local limits go on, fleet blocks expire on time, reconnects with
 * backoff, one log line per change of state.
 */
#ifndef FG_FLEET_JOB_H
#define FG_FLEET_JOB_H

#include "config.h"
#include "fleetstats.h"
#include "mapio.h"

struct fg_fleet;

/* Starts the thread, idle until configured. maps must outlive it. */
struct fg_fleet *fg_fleet_start(struct fg_maps *maps);
/* The running config's fleet section and rules (start, each reload);
 * rule_slot: the rules' slots, as compiled. */
void fg_fleet_configure(struct fg_fleet *f, const struct fg_settings *s,
			const __u8 *rule_slot);
void fg_fleet_stats(struct fg_fleet *f, struct fg_fleet_stats *out);
void fg_fleet_stop(struct fg_fleet *f);

#endif /* FG_FLEET_JOB_H */
