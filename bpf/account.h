/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one exit path: count the verdict, turn it into an XDP action. */
#ifndef FG_ACCOUNT_H
#define FG_ACCOUNT_H

#include "maps.h"

struct fg_verdict {
	__u32 action; /* enum fg_action */
	__u32 reason; /* enum fg_reason */
};

static __always_inline void fg_count(void *map, __u32 idx, __u32 len)
{
	struct fg_counter *c = bpf_map_lookup_elem(map, &idx);

	/* Per-CPU value: plain increments are safe. */
	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

/* rule_slot < 0: the packet never reached rule matching. */
static __always_inline int fg_account(struct fg_verdict v, int rule_slot,
				      __u32 len)
{
	fg_count(&fg_stats, v.action * FG_REASON_SLOTS + v.reason, len);
	if (rule_slot >= 0)
		fg_count(&fg_rule_stats,
			 (__u32)rule_slot * FG_ACTION_COUNT + v.action, len);
	if (v.action == FG_ACTION_RESET)
		return XDP_TX; /* the frame was rewritten into a RST */
	return v.action == FG_ACTION_DROP ? XDP_DROP : XDP_PASS;
}

#endif /* FG_ACCOUNT_H */
