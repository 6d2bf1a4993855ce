// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "boxexpiry.h"

static int count_any(const struct fg_src_key *k, const struct fg_block *b,
		     void *arg)
{
	(void)b;
	*(long *)arg += k->rule_id == FG_RULE_ID_ANY;
	return 0;
}

/* Clear a flag first, then look: an entry the program adds meanwhile
 * either sees the flag cleared and sets it again, or is seen here. */
long fg_box_expire(struct fg_maps *m, __u64 now, long *still_blocked)
{
	struct fg_ctl *ctl = m->ctl_mem;
	long live = 0, live_any = 0, gone, any = 0;

	gone = fg_blocked_expire(m, now, &live, &live_any);
	if (!live_any &&
	    __atomic_load_n(&ctl->block_source_active, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&ctl->block_source_active, 0,
				 __ATOMIC_SEQ_CST);
		fg_blocked_walk(m, count_any, &any);
		if (any > 0)
			__atomic_store_n(&ctl->block_source_active, 1,
					 __ATOMIC_SEQ_CST);
	}
	if (!live && __atomic_load_n(&ctl->block_active, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&ctl->block_active, 0, __ATOMIC_SEQ_CST);
		if (fg_blocked_walk(m, NULL, NULL) > 0)
			__atomic_store_n(&ctl->block_active, 1,
					 __ATOMIC_SEQ_CST);
	}
	*still_blocked = live;
	return gone;
}
