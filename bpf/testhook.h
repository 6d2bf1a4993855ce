/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A test's hook into the path: a config commit that lands while a packet
 * is on its way, at one chosen point, which no test could time from
 * user space. Tests set fg_use_test_hooks before load and arm
 * fg_test_commit_pending; it is .rodata, so in the shipped program the
 * verifier removes the branch, as for the test clock (clock.h).
 */
#ifndef FG_TESTHOOK_H
#define FG_TESTHOOK_H

#include <linux/bpf.h>

#include "fg_abi.h"

const volatile __u8 fg_use_test_hooks = 0;
__u32 fg_test_commit_pending = 0;

/* What fg_maps_commit_config does, once: the other slot goes live, then
 * the verdict generation moves. */
static __always_inline void fg_test_commit(struct fg_ctl *ctl)
{
	if (!fg_use_test_hooks || !fg_test_commit_pending)
		return;
	fg_test_commit_pending = 0;
	ctl->cfg_slot = !ctl->cfg_slot;
	ctl->verdict_gen++;
}

#endif /* FG_TESTHOOK_H */
