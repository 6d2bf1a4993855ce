// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate: per-source rate limiting at XDP. The path is in verdict.h. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "chain.h"
#include "verdict.h"

/* For libxdp's dispatcher (xdp_mode: multiprog): run early, before the
 * programs floodgate protects (libxdp's default priority is 50; the
 * daemon sets FG_MULTIPROG_PRIORITY, the same), and let the next program
 * run only on XDP_PASS. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(floodgate_xdp);

SEC("xdp")
int floodgate_xdp(struct xdp_md *ctx)
{
	int act = fg_process(ctx, FG_STEP_ALL);

	/* Here rather than at fg_process's exit: only the verdict is live
	 * at this point, so the verifier checks the hand-off once, not
	 * once per path through the limiter. */
	return act == XDP_PASS ? fg_chain(ctx) : act;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
