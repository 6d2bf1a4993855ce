/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kill-switch and the mode in fg_ctl, set for good or for a while
 * (`floodgate disable --for 15m`, `floodgate mode dry-run --for 10m`). A
 * timed setting only ever lowers protection, and its end restores it
 * (enabled, enforce): a timer never turns filtering off by itself. The
 * deadline is in the pinned fg_ctl, in CLOCK_BOOTTIME seconds (it counts
 * a suspend and never steps back), so a restarted daemon still reverts;
 * the daemon's tick does the revert.
 */
#ifndef FG_TIMEDSWITCH_H
#define FG_TIMEDSWITCH_H

#include <stdbool.h>
#include <linux/types.h>

#include "fg_abi.h"

enum fg_switch {
	FG_SWITCH_ENABLED, /* fg_ctl.enabled, enabled_revert_at */
	FG_SWITCH_DRY_RUN, /* fg_ctl.dry_run, dry_run_revert_at */
};

/* The longest --for: a longer one is a plain disable, which the
 * kill-switch alert is for. */
#define FG_SWITCH_FOR_MAX_NS (24ULL * 3600 * 1000000000ULL)

/* CLOCK_BOOTTIME in ns. */
__u64 fg_boottime_ns(void);

/* The value a timed setting returns to: enabled 1, dry_run 0. */
__u32 fg_switch_safe_value(enum fg_switch sw);

/* The deadline for a setting made now that lasts for_ns: rounded up to
 * the next whole second, so it never reverts early. */
__u32 fg_switch_deadline(__u64 now_ns, __u64 for_ns);

/* Sets the switch: for good when deadline is 0 (clearing a timer), else
 * until deadline. */
void fg_switch_set(struct fg_ctl *ctl, enum fg_switch sw, __u32 value,
		   __u32 deadline);

/* The deadline, or 0 when the setting is not timed. */
__u32 fg_switch_deadline_of(const struct fg_ctl *ctl, enum fg_switch sw);

/* When the switch's deadline has passed at now_ns: sets it back to its
 * safe value, clears the deadline and returns true (*overdue_s: seconds
 * past the deadline). False when there is nothing to do, or a command
 * replaced or cleared the deadline first. */
bool fg_switch_revert_due(struct fg_ctl *ctl, enum fg_switch sw, __u64 now_ns,
			  __u32 *overdue_s);

/* Seconds left until the revert at now_ns: < 0 when not timed, 0 when
 * due (the daemon reverts on its next tick, or when it starts). */
double fg_switch_left(const struct fg_ctl *ctl, enum fg_switch sw,
		      __u64 now_ns);

/* "14m02s", "1h00m00s", "3s": a duration to show, whole seconds rounded
 * up. */
void fg_format_left(double seconds, char *buf, unsigned long len);

#endif /* FG_TIMEDSWITCH_H */
