/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The allow/deny lists and the source classes (DESIGN.md §2 step 4, §9):
 * one longest-prefix-match table, the most specific prefix wins; each
 * entry carries the action and class user space composed for it. Also
 * the destination set, for rules with `destinations`. */
#ifndef FG_LISTS_H
#define FG_LISTS_H

#include "maps.h"
#include "parse.h"

/* What fg_find() is asked to look up (its `what` argument, above the
 * IP header's offset in the low byte). */
#define FG_FIND_V6 0x100u    /* the packet is IPv6 */
#define FG_FIND_LISTS 0x200u /* the lists (action and class) */
#define FG_FIND_MEMO 0x400u  /* ... through the class memo */
#define FG_FIND_DEST 0x800u  /* the destination set */

/* Its answer, packed: the effective list action (FG_LIST_ALLOW,
 * FG_LIST_DENY or 0), the class id and the destination set id. */
#define FG_FOUND_ACTION(f) ((__u32)(f)&0x3u)
#define FG_FOUND_CLASS(f) (((__u32)(f) >> 4) & 0xfu)
#define FG_FOUND_DEST(f) (((__u32)(f) >> 8) & 0x7u)

static __always_inline __u32 fg_lpm_value_found(__u32 v)
{
	return (v >> FG_LIST_EFF_ACTION_SHIFT & FG_LIST_EFF_ACTION_MASK) |
	       (v >> FG_LIST_EFF_CLASS_SHIFT & FG_LIST_EFF_CLASS_MASK) << 4;
}

/* The class memo (fg_src_class): a source address classified under the
 * current lists generation skips the trie, which with many entries is
 * the dearer lookup. Listed sources are not remembered: their path
 * ends at the lists. The memo's key is the trie key's address. */
static __always_inline __u32 fg_find_source(struct fg_lpm_key *k, __u32 what,
					    __u32 gen)
{
	struct fg_src_class *memo = NULL, fresh;
	__u32 *v, found = 0;

	if (what & FG_FIND_MEMO) {
		memo = bpf_map_lookup_elem(&fg_src_class, k->addr);
		if (memo && memo->lists_gen == gen)
			return (memo->class_id & 0xfu) << 4;
	}
	k->prefixlen = 128;
	v = bpf_map_lookup_elem(&fg_lists, k);
	if (v)
		found = fg_lpm_value_found(*v);
	if (!(what & FG_FIND_MEMO) || FG_FOUND_ACTION(found))
		return found;
	if (memo) {
		memo->class_id = FG_FOUND_CLASS(found);
		memo->lists_gen = gen;
	} else {
		fresh.lists_gen = gen;
		fresh.class_id = FG_FOUND_CLASS(found);
		bpf_map_update_elem(&fg_src_class, k->addr, &fresh, BPF_ANY);
	}
	return found;
}

/* An address at off in the IP header, as the tables key it (IPv4
 * mapped ::ffff:a.b.c.d). */
static __always_inline void fg_find_addr(__u8 *out, const __u8 *ip, int v6,
					 int off4, int off6)
{
	if (v6) {
		__builtin_memcpy(out, ip + off6, 16);
	} else {
		__builtin_memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		__builtin_memcpy(out + 12, ip + off4, 4);
	}
}

/*
 * The lists' and the destinations' answer for this packet, re-reading
 * its addresses from the frame. A global function: the verifier checks
 * it once, on its own, and its caller sees one unknown answer instead
 * of every path through the lookups (the program stays within the
 * verifier's instruction budget). One key buffer, used in turn: the
 * caller's stack and this one's share a 512-byte budget.
 */
__attribute__((noinline)) int fg_find(struct xdp_md *ctx, __u32 what, __u32 gen,
				      __u32 cfg_slot)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (what & 0xffu);
	int v6 = (what & FG_FIND_V6) != 0;
	union {
		struct fg_dest_key dest;
		struct fg_lpm_key src;
	} k = {};
	__u32 found = 0, *v;

	if ((void *)(ip + (v6 ? 40 : 20)) > end)
		return 0;
	if (what & FG_FIND_DEST) {
		k.dest.prefixlen = 8 + 128;
		k.dest.cfg_slot = (__u8)cfg_slot;
		fg_find_addr(k.dest.addr, ip, v6, 16, 24);
		v = bpf_map_lookup_elem(&fg_dests, &k.dest);
		if (v)
			found = (*v & 0x7u) << 8;
	}
	if (what & FG_FIND_LISTS) {
		fg_find_addr((__u8 *)k.src.addr, ip, v6, 12, 8);
		found |= fg_find_source(&k.src, what, gen);
	}
	return (int)found;
}

#endif /* FG_LISTS_H */
