/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The penalty box's upkeep, from the daemon's tick: deletes the entries
 * whose time is up and whose rule's window (escalating `block`) has
 * passed too, and clears fg_ctl's flags that let the program skip
 * its lookup while nobody is boxed (block_active) and its second lookup
 * while nobody is boxed for all traffic (block_source_active).
 */
#ifndef FG_BOXEXPIRY_H
#define FG_BOXEXPIRY_H

#include "mapio.h"

/* Returns how many entries were deleted at `now` (fg_monotonic_ns), and
 * in *still_blocked how many still block (entries kept for their window
 * are not counted). */
long fg_box_expire(struct fg_maps *m, __u64 now, long *still_blocked);

#endif /* FG_BOXEXPIRY_H */
