// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Where floodgate's per-packet time goes: its own steps (bpf/ headers, the
 * code bpf/floodgate.bpf.c runs, included, not copied), cut short after
 * each stage. Stage N minus stage N-1 is what step N costs; floodgate
 * itself is the last stage (counting). fg-bench-cost configures these
 * maps exactly as floodgate's.
 *   stage_parse  kill-switch, config slot, parse
 *   stage_lookup + rule by port, key, the fg_sources lookup
 *   stage_list   + allow/deny (LPM only for sources not known unlisted)
 * (A cut after the limiter no longer fits the verifier's budget: the
 * limiter and the counters are one step.)
 * They are cuts of bpf/verdict.h's fg_process(), the program's own path.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* By path, so every tool finds them with the same flags. */
#include "../../bpf/verdict.h"

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_parse(struct xdp_md *ctx)
{
	return fg_process(ctx, FG_STEP_PARSE);
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_lookup(struct xdp_md *ctx)
{
	return fg_process(ctx, FG_STEP_LOOKUP);
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_list(struct xdp_md *ctx)
{
	return fg_process(ctx, FG_STEP_LISTS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
