// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Where floodgate's per-packet time goes: its own steps (bpf/ headers, the
 * code bpf/floodgate.bpf.c runs, included, not copied), cut short after
 * each stage. Stage N minus stage N-1 is what step N costs; floodgate
 * itself is the last stage (counting). fg-bench-cost configures these
 * maps exactly as floodgate's.
 *   stage_parse  kill-switch, config slot, parse
 *   stage_list   + allow/deny LPM lookup
 *   stage_rule   + clock, key, penalty box check, rule by port
 *   stage_lookup + the fg_sources lookup alone (read one TAT)
 *   stage_limit  + the limiter (GCRA check of both dimensions, commit)
 * Plus bench_lru_fg: bench_lru's lookup+update on floodgate's table
 * entry (its key, masked /64 and rule id; its 40-byte value), to tell
 * the entry's size from the work done on it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* By path, so every tool finds them with the same flags. */
#include "../../bpf/account.h"
#include "../../bpf/clock.h"
#include "../../bpf/key.h"
#include "../../bpf/limit.h"
#include "../../bpf/maps.h"
#include "../../bpf/parse.h"
#include "../../bpf/penalty.h"

enum { ST_PARSE = 1, ST_LIST, ST_RULE, ST_LOOKUP, ST_LIMIT };

static __always_inline int stage(struct xdp_md *ctx, int upto)
{
	struct fg_pkt pkt = {};
	struct fg_src_key key;
	const struct fg_config *cfg;
	const struct fg_rule *rule;
	struct fg_ctl *ctl;
	__u32 zero = 0, slot, cfg_slot, reason;
	__u64 now;

	pkt.len = (__u32)(ctx->data_end - ctx->data);
	ctl = bpf_map_lookup_elem(&fg_ctl, &zero);
	if (!ctl || !ctl->enabled)
		return XDP_PASS;
	cfg_slot = ctl->cfg_slot;
	cfg = bpf_map_lookup_elem(&fg_cfg, &cfg_slot);
	if (!cfg)
		return XDP_PASS;
	if (fg_parse(ctx, &pkt) != FG_PARSE_OK)
		return XDP_PASS;
	if (upto == ST_PARSE)
		return XDP_DROP;
	if (fg_list_lookup(&pkt))
		return XDP_PASS;
	if (upto == ST_LIST)
		return XDP_DROP;
	now = fg_now();
	fg_make_key(&key, &pkt, cfg, 0);
	if (fg_is_blocked(ctl, &key, now))
		return XDP_DROP;
	slot = fg_rule_slot(cfg, cfg_slot, &pkt);
	rule = &cfg->rules[slot];
	key.rule_id = rule->id;
	if (upto == ST_RULE)
		return XDP_DROP;
	if (upto == ST_LOOKUP) {
		struct fg_src_state *s = bpf_map_lookup_elem(&fg_sources, &key);

		return s && READ_ONCE_U64(&s->tat[0]) ? XDP_DROP : XDP_PASS;
	}
	reason = fg_limit(cfg, rule, &key, &pkt, now);
	return reason == FG_REASON_UNDER_LIMIT ? XDP_PASS : XDP_DROP;
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_parse(struct xdp_md *ctx)
{
	return stage(ctx, ST_PARSE);
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_list(struct xdp_md *ctx)
{
	return stage(ctx, ST_LIST);
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_rule(struct xdp_md *ctx)
{
	return stage(ctx, ST_RULE);
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_lookup(struct xdp_md *ctx)
{
	return stage(ctx, ST_LOOKUP);
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int stage_limit(struct xdp_md *ctx)
{
	return stage(ctx, ST_LIMIT);
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
