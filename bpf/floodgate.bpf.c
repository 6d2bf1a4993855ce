// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate: per-source rate limiting at XDP. The path is in verdict.h. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "verdict.h"

SEC("xdp")
int floodgate_xdp(struct xdp_md *ctx)
{
	return fg_process(ctx, FG_STEP_ALL);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
