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
 *   stage_limit  + clock, penalty box, limiter (GCRA check, commit)
 * They are cuts of bpf/verdict.h's fg_process(), the program's own path.
 * Plus bench_lru_fg: bench_lru's lookup+update on floodgate's table
 * entry (its key, masked /64 and rule id; its 40-byte value), to tell
 * the entry's size from the work done on it.
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

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_limit(struct xdp_md *ctx)
{
	return fg_process(ctx, FG_STEP_LIMIT);
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024); /* set by the loader */
	__type(key, struct fg_src_key);
	__type(value, struct fg_src_state);
} bench_lru_fg_map SEC(".maps");

__u32 bench_rule_id = 0;

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_lru_fg(struct xdp_md *ctx)
{
	struct fg_pkt pkt = {};
	struct fg_src_key key = {};
	struct fg_src_state one = {.passed = 1}, *v;
	struct fg_cursor c = {(void *)(long)ctx->data,
			      (void *)(long)ctx->data_end};
	int proto = fg_parse_eth(&c);
	__u32 *s;

	/* bench_lru's parse: the source address only. */
	if (proto == bpf_htons(ETH_P_IPV6)) {
		s = (__u32 *)((__u8 *)c.pos + 8);
		if ((__u8 *)(s + 4) > (__u8 *)c.end)
			return XDP_PASS;
		__builtin_memcpy(pkt.saddr, s, 16);
	} else if (proto == bpf_htons(ETH_P_IP)) {
		s = (__u32 *)((__u8 *)c.pos + 12);
		if ((__u8 *)(s + 1) > (__u8 *)c.end)
			return XDP_PASS;
		pkt.saddr[2] = bpf_htonl(0xffff);
		pkt.saddr[3] = *s;
	} else {
		return XDP_PASS;
	}
	/* floodgate's key: the /64 (these are IPv6 sources) and a rule */
	__builtin_memcpy(key.addr, pkt.saddr, 8);
	key.rule_id = bench_rule_id;
	v = bpf_map_lookup_elem(&bench_lru_fg_map, &key);
	if (v) {
		v->passed++;
		return XDP_DROP;
	}
	bpf_map_update_elem(&bench_lru_fg_map, &key, &one, BPF_ANY);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
