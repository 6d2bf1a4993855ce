/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The chain slot (DESIGN.md §10): a packet floodgate passes, whatever the
 * reason (under the limit, allow-listed, dry-run, kill-switch off, not
 * IP, malformed passed), goes on to the program in the slot by tail
 * call, the way katran and cilium chain programs. Drops and RSTs never
 * do. An empty slot, or a failed tail call, is a plain XDP_PASS.
 */
#ifndef FG_CHAIN_H
#define FG_CHAIN_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"

/* Returns only when nothing took the packet: then XDP_PASS. */
static __always_inline int fg_chain(struct xdp_md *ctx)
{
	__u32 len = (__u32)(ctx->data_end - ctx->data), zero = 0;
	const struct fg_ctl *ctl = bpf_map_lookup_elem(&fg_ctl, &zero);
	struct fg_counter *c;

	/* Nobody chained: no tail call, no counter write. */
	if (!ctl || !ctl->chain_active)
		return XDP_PASS;
	/* A tail call that works does not return, so count first and take
	 * it back if it fails (empty slot). Per-CPU: plain adds. */
	c = bpf_map_lookup_elem(&fg_chain_stats, &zero);
	if (c) {
		c->packets++;
		c->bytes += len;
	}
	bpf_tail_call(ctx, &next, FG_CHAIN_SLOT);
	if (c) {
		c->packets--;
		c->bytes -= len;
	}
	return XDP_PASS;
}

#endif /* FG_CHAIN_H */
