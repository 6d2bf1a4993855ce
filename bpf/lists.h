/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The allow/deny lists (DESIGN.md §2, step 4): one longest-prefix-match
 * table, the most specific prefix wins. */
#ifndef FG_LISTS_H
#define FG_LISTS_H

#include "maps.h"
#include "parse.h"

/* Returns FG_LIST_ALLOW, FG_LIST_DENY or 0. */
static __always_inline __u32 fg_list_lookup(const struct fg_pkt *pkt)
{
	struct fg_lpm_key k = {.prefixlen = 128};
	__u32 *action;

	__builtin_memcpy(k.addr, pkt->saddr, sizeof(k.addr));
	action = bpf_map_lookup_elem(&fg_lists, &k);
	return action ? *action & FG_LIST_ACTION_MASK : 0;
}

#endif /* FG_LISTS_H */
