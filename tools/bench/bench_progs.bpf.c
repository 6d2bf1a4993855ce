// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Baselines for the per-packet cost benchmark (fg-bench-cost), each the
 * least that its name says:
 *   bench_empty  returns XDP_DROP: what BPF_PROG_TEST_RUN itself costs.
 *   bench_lru    parse, one LRU hash lookup, update the value in place
 *                (insert on a miss): the memory-bound core of any
 *                per-source table.
 *   bench_gcra   the cheapest per-source limiter: parse, one LRU lookup,
 *                one GCRA check (include/fg_gcra.h, the code floodgate
 *                runs), the coarse clock; one dimension, no rules, no
 *                lists, no counters, plain stores.
 *   bench_lru_fg bench_lru on floodgate's table entry (its key: the /64
 *                and a rule id; its 40-byte value): the bound of any
 *                table of that entry, to tell the entry's size from the
 *                work done on it.
 *   bench_blocklist  a blocked source's path in the shape of
 *                gamemann/XDP-Firewall's (its code is not here): parse,
 *                one plain-hash lookup of the source's block time, the
 *                clock (the coarse one, the cheaper), one per-CPU drop
 *                counter. Its first packet puts the source in for an
 *                hour.
 *   bench_driver times the run from inside, may write a pseudo-random
 *                source into the frame, then tail calls the program
 *                under test: many sources from one test_run (see
 *                fg-bench-cost.c).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_parse.h"
#include "fg_gcra.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024); /* set by the loader */
	__type(key, struct bench_key);
	__type(value, __u64);
} bench_lru_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024); /* set by the loader */
	__type(key, struct bench_key);
	__type(value, __u64);
} bench_gcra_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024); /* set by the loader */
	__type(key, struct fg_src_key);
	__type(value, struct fg_src_state);
} bench_lru_fg_map SEC(".maps");

/* bench_lru_fg's rule id, as floodgate's flood rule's. */
__u32 bench_rule_id = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct bench_key);
	__type(value, __u64);
} bench_block_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_block_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

/* bench_gcra's limit (one dimension). */
struct fg_limit bench_limit = {};

/* bench_driver. With drv_write, the 4 bytes at drv_off become, in
 * network order, fmix32(seq) % drv_mod (random with repeats: the
 * tracked sources 0..drv_mod-1) or, with drv_mod 0, seq & drv_mask
 * (every packet a new source). drv_t0/drv_t1: the clock at packets drv_first and drv_last,
 * which times a test_run from inside (its syscall also swaps the XDP
 * dispatcher, milliseconds that are not the program's). */
__u32 drv_write = 0;
__u32 drv_off = 0;
__u32 drv_mask = 0;
__u32 drv_mod = 0;
__u32 drv_seq = 0;
__u32 drv_first = 0;
__u32 drv_last = 0;
__u64 drv_t0 = 0;
__u64 drv_t1 = 0;

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_empty(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_lru(struct xdp_md *ctx)
{
	struct bench_key key;
	__u64 one = 1, *v;

	if (bench_parse(ctx, &key))
		return XDP_PASS;
	v = bpf_map_lookup_elem(&bench_lru_map, &key);
	if (v) {
		*v += 1;
		return XDP_DROP;
	}
	bpf_map_update_elem(&bench_lru_map, &key, &one, BPF_ANY);
	return XDP_DROP;
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_lru_fg(struct xdp_md *ctx)
{
	struct bench_key src;
	struct fg_src_key key = {};
	struct fg_src_state one = {.passed = 1}, *v;

	if (bench_parse(ctx, &src))
		return XDP_PASS;
	/* floodgate's key: the /64 (these are IPv6 sources) and a rule */
	__builtin_memcpy(key.addr, src.addr, 8);
	key.rule_id = bench_rule_id;
	v = bpf_map_lookup_elem(&bench_lru_fg_map, &key);
	if (v) {
		v->passed++;
		return XDP_DROP;
	}
	bpf_map_update_elem(&bench_lru_fg_map, &key, &one, BPF_ANY);
	return XDP_DROP;
}

/* bench_lru, then 512 ALU operations in four independent chains that
 * touch no memory: as many instructions as floodgate's path, so the
 * CPU cannot start the next packet's lookup while this one's misses are
 * outstanding. */
// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_lru_pad(struct xdp_md *ctx)
{
	struct bench_key key;
	__u64 one = 1, *v, a, b, c, d;
	int i;

	if (bench_parse(ctx, &key))
		return XDP_PASS;
	v = bpf_map_lookup_elem(&bench_lru_map, &key);
	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&bench_lru_map, &key, &one, BPF_ANY);
	a = key.addr[1];
	b = a + 1;
	c = a + 2;
	d = a + 3;
#pragma unroll
	for (i = 0; i < 128; i++) {
		a ^= a >> 3;
		b ^= b >> 5;
		c ^= c >> 7;
		d ^= d >> 9;
	}
	return (a ^ b ^ c ^ d) == 42 ? XDP_PASS : XDP_DROP;
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_gcra(struct xdp_md *ctx)
{
	struct bench_key key;
	__u64 now, cost, next, *tat;

	if (bench_parse(ctx, &key))
		return XDP_PASS;
	now = bpf_ktime_get_coarse_ns();
	cost = fg_gcra_cost(&bench_limit, 1);
	tat = bpf_map_lookup_elem(&bench_gcra_map, &key);
	if (!tat) {
		next = now + cost;
		bpf_map_update_elem(&bench_gcra_map, &key, &next, BPF_ANY);
		return XDP_PASS;
	}
	if (!fg_gcra_conforms(*tat, now, cost, bench_limit.tolerance_ns, &next))
		return XDP_DROP;
	*tat = next;
	return XDP_PASS;
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_blocklist(struct xdp_md *ctx)
{
	struct bench_key key;
	__u64 now, until, *blocked, *drops;
	__u32 zero = 0;

	if (bench_parse(ctx, &key))
		return XDP_PASS;
	now = bpf_ktime_get_coarse_ns();
	blocked = bpf_map_lookup_elem(&bench_block_map, &key);
	if (!blocked) {
		until = now + 3600ULL * 1000000000ULL;
		bpf_map_update_elem(&bench_block_map, &key, &until, BPF_ANY);
		return XDP_PASS;
	}
	if (*blocked <= now)
		return XDP_PASS;
	drops = bpf_map_lookup_elem(&bench_block_drops, &zero);
	if (drops)
		(*drops)++;
	return XDP_DROP;
}

/* murmur3's finalizer: a bijection of 32 bits that looks random. */
static __always_inline __u32 fmix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_driver(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u32 off = drv_off, x = drv_seq++, *p;

	if (x == drv_first)
		drv_t0 = bpf_ktime_get_ns();
	else if (x == drv_last)
		drv_t1 = bpf_ktime_get_ns();
	if (drv_write) {
		if (off > 128)
			return XDP_ABORTED;
		p = (__u32 *)(data + off);
		if ((__u8 *)(p + 1) > end)
			return XDP_ABORTED;
		if (drv_mod)
			x = fmix32(x) % drv_mod;
		*p = bpf_htonl(x & drv_mask);
	}
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
