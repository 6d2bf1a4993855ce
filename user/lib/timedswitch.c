// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "timedswitch.h"

#include <stdio.h>
#include <time.h>

#define NS_PER_S 1000000000ULL

__u64 fg_boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

__u32 fg_switch_safe_value(enum fg_switch sw)
{
	return sw == FG_SWITCH_ENABLED ? 1 : 0;
}

__u32 fg_switch_deadline(__u64 now_ns, __u64 for_ns)
{
	return (__u32)((now_ns + for_ns + NS_PER_S - 1) / NS_PER_S);
}

static __u32 *field_of(struct fg_ctl *ctl, enum fg_switch sw)
{
	return sw == FG_SWITCH_ENABLED ? &ctl->enabled : &ctl->dry_run;
}

static __u32 *deadline_field(struct fg_ctl *ctl, enum fg_switch sw)
{
	return sw == FG_SWITCH_ENABLED ? &ctl->enabled_revert_at
				       : &ctl->dry_run_revert_at;
}

/*
 * The deadline is stored before the value: a daemon reverting the
 * previous deadline meanwhile loses its compare-and-swap, so it cannot
 * flip the value just set. Only a command landing between the daemon's
 * claim and its store (two consecutive instructions) is overtaken by the
 * revert, as if it had come an instant earlier.
 */
void fg_switch_set(struct fg_ctl *ctl, enum fg_switch sw, __u32 value,
		   __u32 deadline)
{
	__atomic_store_n(deadline_field(ctl, sw), deadline, __ATOMIC_RELEASE);
	/* One aligned store: the next packet sees it. */
	__atomic_store_n(field_of(ctl, sw), value, __ATOMIC_RELEASE);
}

__u32 fg_switch_deadline_of(const struct fg_ctl *ctl, enum fg_switch sw)
{
	return __atomic_load_n(sw == FG_SWITCH_ENABLED
				   ? &ctl->enabled_revert_at
				   : &ctl->dry_run_revert_at,
			       __ATOMIC_ACQUIRE);
}

bool fg_switch_revert_due(struct fg_ctl *ctl, enum fg_switch sw, __u64 now_ns,
			  __u32 *overdue_s)
{
	__u32 *at = deadline_field(ctl, sw);
	__u32 deadline = __atomic_load_n(at, __ATOMIC_ACQUIRE);
	__u64 now_s = now_ns / NS_PER_S;

	if (!deadline || now_s < deadline)
		return false;
	/* Claim it: a command that replaced or cleared it first wins. */
	if (!__atomic_compare_exchange_n(at, &deadline, 0, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(field_of(ctl, sw), fg_switch_safe_value(sw),
			 __ATOMIC_RELEASE);
	*overdue_s = (__u32)(now_s - deadline);
	return true;
}

double fg_switch_left(const struct fg_ctl *ctl, enum fg_switch sw, __u64 now_ns)
{
	__u32 deadline = fg_switch_deadline_of(ctl, sw);
	double left;

	if (!deadline)
		return -1;
	left = (double)deadline - (double)now_ns / (double)NS_PER_S;
	return left > 0 ? left : 0;
}

void fg_format_left(double seconds, char *buf, unsigned long len)
{
	unsigned long s = seconds > 0 ? (unsigned long)seconds : 0;

	if (seconds > 0 && (double)s < seconds)
		s++; /* rounded up: "1s" until it is due */

	if (s >= 3600)
		snprintf(buf, len, "%luh%02lum%02lus", s / 3600, s / 60 % 60,
			 s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%lum%02lus", s / 60, s % 60);
	else
		snprintf(buf, len, "%lus", s);
}
