// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A stand-in for the program an operator chains after floodgate (a load
 * balancer, a filter): counts every packet it gets, in total and per
 * IPv4 source, and returns chain_verdict. The datapath tests set that to
 * an action floodgate never returns, to tell a hand-off from a plain
 * pass; the end-to-end test leaves it at XDP_PASS.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 chain_verdict = XDP_PASS;

/* Index 0: every packet; 1: those that were not IPv4. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} chain_total SEC(".maps");

/* IPv4 source (network order) to packets. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} chain_sources SEC(".maps");

/* Exact under concurrency: the entry is made at 0 (if two CPUs race,
 * one insert fails harmlessly), then both add atomically. */
static __always_inline void bump(void *map, const __u32 *key)
{
	__u64 zero = 0, *n = bpf_map_lookup_elem(map, key);

	if (!n) {
		bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(map, key);
	}
	if (n)
		__sync_fetch_and_add(n, 1);
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int chain_next(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	const __u32 total = 0, other = 1;

	bump(&chain_total, &total);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) {
		bump(&chain_total, &other);
		return (int)chain_verdict;
	}
	bump(&chain_sources, &ip->saddr);
	return (int)chain_verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
