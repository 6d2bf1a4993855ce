/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One consistent read of floodgate's state, for `floodgate status` and
 * for /metrics: the kill-switch, counters summed over CPUs, the live
 * rule names, table fill, and which interfaces run the program.
 */
#ifndef FG_SNAPSHOT_H
#define FG_SNAPSHOT_H

#include <net/if.h>
#include <stdbool.h>

#include "chainslot.h"
#include "fg_abi.h"
#include "mapio.h"

#define FG_SNAP_MAX_IFACES 64

struct fg_iface_state {
	char name[IF_NAMESIZE];
	const char *mode; /* "native", "generic", "offload", or NULL when
			   * configured but not attached */
};

struct fg_snapshot {
	bool enabled;
	bool dry_run;
	struct fg_counter stats[FG_STATS_ENTRIES];
	struct fg_counter rule_stats[FG_RULE_STATS_ENTRIES];
	struct fg_meta meta;
	/* Each rule slot's running mode (1 = dry-run): the config's, or
	 * what the CLI set (fg_rule_modes). */
	__u8 cfg_dry_run[FG_RULE_SLOTS];
	long tracked_sources; /* -1 when not counted */
	long capacity;
	long blocked_sources;
	/* The fleet (fg_ctl's fleet fields): state enum fg_fleet_state,
	 * hosts seen, ms since the last sync (-1: never), live blocks. */
	__u32 fleet_state;
	__u32 fleet_hosts;
	long fleet_sync_age_ms;
	long fleet_blocked;
	__u64 table_events[FG_TABLE_EVENTS];
	struct fg_chain_state chain; /* the chain slot */
	unsigned int nifaces;
	struct fg_iface_state ifaces[FG_SNAP_MAX_IFACES];
};

/* count_sources: walk fg_sources for the fill (costs time on big
 * tables). */
int fg_snapshot_read(struct fg_maps *m, bool count_sources,
		     struct fg_snapshot *s);

/* Interfaces in this network namespace that run program prog_id. */
int fg_snapshot_find_ifaces(__u32 prog_id, struct fg_snapshot *s);

/* "off", "dispatcher", "fallback": enum fg_multiprog_state. */
const char *fg_multiprog_state_name(__u32 state);

/* Label of an fg_table_event, or NULL for an unused slot. */
const char *fg_table_event_label(unsigned int event);

/* Label strings of the shared reason/action lists. */
const char *fg_reason_label(unsigned int reason);
const char *fg_action_label(unsigned int action);
/* A rule counter's action (fg_read_stats' rule_stats): the actions, and
 * dry_run. */
const char *fg_rule_action_label(unsigned int action);
/* Whether a verdict with this reason can carry this action. */
bool fg_reason_has_action(unsigned int reason, unsigned int action);

#endif /* FG_SNAPSHOT_H */
