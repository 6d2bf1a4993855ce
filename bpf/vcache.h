/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The verdict cache: a flood is made of packets whose verdict is already
 * known. A source over its packet rate is dropped, exactly, until its
 * next token (drops do not move the shared TAT, so no CPU can pass it
 * sooner); a boxed source until its box ends; a deny-listed source until
 * the lists change. Each CPU keeps such drops in a small direct-mapped
 * array (an inlined per-CPU array lookup, no hashing in the kernel, no
 * shared line written), so a flood's packets skip the rule match, the
 * source table, the box and the limiter.
 *
 * An entry is trusted only for the same whole source address and port
 * key, under the lists and verdict generations it was made under (user
 * space bumps them on every change that can end a drop early), and
 * before its time. Whatever is not sure is not cached: dry-run, rules
 * that answer with a RST, rules chosen by destination, the bytes and
 * connection dimensions (their drops depend on the packet).
 */
#ifndef FG_VCACHE_H
#define FG_VCACHE_H

#include "account.h"
#include "key.h"
#include "lists.h"
#include "maps.h"
#include "clock.h"
#include "parse.h"

/* What picks the rule besides the source: port and protocol class. */
static __always_inline __u32 fg_vcache_port_key(const struct fg_pkt *pkt)
{
	return ((__u32)pkt->dport << 16) | ((__u32)pkt->pclass << 8) |
	       pkt->has_port;
}

static __always_inline __u32 fg_vcache_index(const __u32 addr[4],
					     __u32 port_key)
{
	__u32 h = addr[0] ^ addr[1] ^ addr[2] ^ addr[3] ^ port_key;

	/* Fibonacci hashing: the top bits of a multiply mix every bit. */
	return (h * 0x9e3779b1u) >> (32 - FG_VCACHE_BITS);
}

/* fg_vcache_learn()'s `what`: the drop's reason, its rule slot and
 * the config slot. */
#define FG_VCACHE_WHAT(reason, slot, cfg_slot)                          \
	((__u64)((cfg_slot)&0xffu) << 24 | (__u64)((slot)&0xffu) << 8 | \
	 ((reason)&0xffu))
#define FG_VCACHE_WHERE(where, port_key) ((__u64)(where) << 32 | (port_key))

/*
 * Remembers a drop that holds until `until`, under the generations
 * fg_vcache_begin read before this packet's verdict began (kept in this
 * CPU's scratch slot: a packet runs to its end on one CPU. Should they
 * be an earlier packet's, they are older still, which is safe). Only
 * what is sure: not in dry-run, not when rules depend on the
 * destination. A global function that re-reads the source from the
 * frame: the verifier checks it once, and its callers do not split
 * their paths on whether a drop is cached.
 */
__attribute__((noinline)) int
fg_vcache_learn(struct xdp_md *ctx, __u64 where_port, __u64 what, __u64 until)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 where = (__u32)(where_port >> 32), zero = 0;
	__u32 idx = FG_VCACHE_SCRATCH, cfg_slot = (__u32)(what >> 24) & 0xffu;
	__u8 *ip = data + (where & 0xffu);
	int v6 = (where & FG_FIND_V6) != 0;
	const struct fg_config *cfg;
	struct fg_vcache_entry *e, *scratch;
	const struct fg_ctl *ctl;
	__u32 addr[4];

	if ((void *)(ip + (v6 ? 40 : 20)) > end)
		return 0;
	ctl = bpf_map_lookup_elem(&fg_ctl, &zero);
	cfg = bpf_map_lookup_elem(&fg_cfg, &cfg_slot);
	scratch = bpf_map_lookup_elem(&fg_vcache, &idx);
	if (!ctl || !cfg || !scratch || ctl->dry_run || cfg->has_dests)
		return 0;
	fg_find_addr((__u8 *)addr, ip, v6, 12, 8);
	idx = fg_vcache_index(addr, (__u32)where_port);
	e = bpf_map_lookup_elem(&fg_vcache, &idx);
	if (!e)
		return 0;
	__builtin_memcpy(e->addr, addr, sizeof(e->addr));
	e->port_key = (__u32)where_port;
	e->lists_gen = scratch->lists_gen;
	e->verdict_gen = scratch->verdict_gen;
	e->rule_slot = (__u8)(what >> 8);
	e->reason = (__u8)what;
	e->cfg_slot = (__u8)cfg_slot;
	e->until_ns = until;
	return 1;
}

/* What the path learned of this packet, for its next ones: a drop of
 * `reason` under rule `slot`, holding until `until`. */
static __always_inline void fg_vcache_remember(struct xdp_md *ctx, __u32 where,
					       const struct fg_pkt *pkt,
					       __u32 reason, __u32 slot,
					       __u32 cfg_slot, __u64 until)
{
	fg_vcache_learn(ctx, FG_VCACHE_WHERE(where, fg_vcache_port_key(pkt)),
			FG_VCACHE_WHAT(reason, slot, cfg_slot), until);
}

/* The fg_stats row a cached drop counts in, as fg_account counts it:
 * a rate drop under its rule; a boxed or deny-listed source's drop,
 * which the path decides before the rule's limits, under none. */
static __always_inline __u32 fg_vcache_row(__u32 reason, __u32 slot)
{
	return reason == FG_REASON_RATE_PACKETS ? slot + 1 : 0;
}

/* The load of a field user space stores to through the mmap of fg_ctl:
 * once, where the code has it, not merged with or moved past another
 * such load by the compiler. */
#define FG_CTL_LOAD(p) (*(const volatile __u32 *)&(p))

/*
 * Keeps in this CPU's scratch slot the generations this packet's verdict
 * is made under, for fg_vcache_hit and fg_vcache_learn. Called before
 * the packet reads anything its verdict depends on, the config slot
 * first of all. User space writes first, then bumps the generation
 * (fg_maps_commit_config flips cfg_slot, then verdict_gen; the box,
 * lists and rule modes likewise): a packet that sees a generation sees
 * what came before it, and a packet that reads an old config, box or
 * list is stamped with the generation that is already past. Read in the
 * other order, a packet could take the old slot and the new generation,
 * and cache under the new config a drop made under the old one.
 *
 * Ordering: the stores are ordered in user space (__atomic, and map
 * updates are system calls). The loads are ordered as written here
 * because they are volatile (FG_CTL_LOAD: the compiler keeps their order)
 * and x86 does not reorder a load with an earlier load (TSO), so the
 * JIT's plain loads suffice and no barrier is needed. BPF has no fence
 * instruction, and clang 14 cannot emit the load-acquire that kernels
 * from 6.15 take (it needs LLVM 21, -mcpu=v4): on a CPU that reorders
 * loads (arm64) a packet could still straddle a commit. A config commit
 * is exact all the same: an entry keeps the config slot its drop was
 * decided under, and fg_vcache_hit takes it only under that slot, so a
 * drop decided under the old slot never answers under the new one.
 */
static __always_inline struct fg_vcache_entry *
fg_vcache_begin(const struct fg_ctl *ctl)
{
	__u32 idx = FG_VCACHE_SCRATCH;
	struct fg_vcache_entry *scratch = bpf_map_lookup_elem(&fg_vcache, &idx);

	if (!scratch)
		return NULL;
	scratch->verdict_gen = FG_CTL_LOAD(ctl->verdict_gen);
	scratch->lists_gen = FG_CTL_LOAD(ctl->lists_gen);
	return scratch;
}

/*
 * Nonzero when this CPU already knows a drop that holds for this packet
 * now (the entry is then in the scratch slot's place: see
 * fg_vcache_account), under the generations fg_vcache_begin kept in
 * `scratch`.
 * Inline: a global function here, on every packet's path, costs the
 * verifier more than its body.
 */
static __always_inline int fg_vcache_hit(const struct fg_ctl *ctl,
					 struct fg_vcache_entry *scratch,
					 const struct fg_pkt *pkt,
					 __u32 cfg_slot)
{
	__u32 idx, port_key = fg_vcache_port_key(pkt);
	struct fg_vcache_entry *e;

	if (!scratch)
		return 0;
	/* Nothing is cached in dry-run (fg_vcache_learn). */
	if (ctl->dry_run)
		return 0;
	idx = fg_vcache_index(pkt->saddr, port_key);
	e = bpf_map_lookup_elem(&fg_vcache, &idx);
	if (!e || e->addr[3] != pkt->saddr[3] || e->port_key != port_key ||
	    e->addr[2] != pkt->saddr[2] || e->addr[1] != pkt->saddr[1] ||
	    e->addr[0] != pkt->saddr[0] || e->lists_gen != scratch->lists_gen ||
	    e->verdict_gen != scratch->verdict_gen || e->cfg_slot != cfg_slot ||
	    e->until_ns <= fg_now())
		return 0;
	/* What fg_vcache_account counts, where it finds it. */
	scratch->reason = e->reason;
	scratch->rule_slot = e->rule_slot;
	return 1;
}

/* A cached drop's counters: those fg_account would have counted. The
 * source's `dropped` is sampled as there, at the cost of a table lookup
 * one drop in FG_DROP_SAMPLE (key: the caller's, as scratch). */
static __always_inline int fg_vcache_account(const struct fg_config *cfg,
					     const struct fg_pkt *pkt,
					     struct fg_src_key *key)
{
	__u32 idx = FG_VCACHE_SCRATCH, slot;
	struct fg_vcache_entry *hit = bpf_map_lookup_elem(&fg_vcache, &idx);
	struct fg_src_state *st;
	__u64 n;

	if (!hit)
		return XDP_DROP;
	slot = hit->rule_slot;
	n = fg_count(&fg_stats,
		     FG_STATS_INDEX(fg_vcache_row(hit->reason, slot),
				    FG_ACTION_DROP, hit->reason),
		     pkt->len);
	if (hit->reason == FG_REASON_DENY_LIST || n % FG_DROP_SAMPLE ||
	    slot >= FG_RULE_SLOTS)
		return XDP_DROP;
	fg_make_key(key, pkt, cfg, cfg->rules[slot].id);
	st = bpf_map_lookup_elem(&fg_sources, key);
	if (st && st->dropped < FG_TOP_COUNT_MAX)
		st->dropped += FG_DROP_SAMPLE;
	return XDP_DROP;
}

#endif /* FG_VCACHE_H */
