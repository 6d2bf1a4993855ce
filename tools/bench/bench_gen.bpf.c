// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The drop-throughput benchmark's programs (fg-bench-gen):
 *   bench_gen   run by BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES
 *               on a prebuilt IPv4/UDP frame: gives each frame the next
 *               source of a round robin over gen_nsrc addresses (fixing
 *               the IPv4 header checksum, so the stack accepts it), then
 *               redirects it into the client veth, out to its peer.
 *   bench_drop  a bare XDP_DROP, the receiving side's lower bound.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Set before load. */
const volatile __u32 gen_ifindex = 0; /* the client veth */
const volatile __u32 gen_l3_off = 14; /* IPv4 header offset */
const volatile __u32 gen_nsrc = 1;    /* sources: gen_src[0..n) */

#define GEN_MAX_SRC 1024
/* Sources, network order; set before load. */
__u32 gen_src[GEN_MAX_SRC] = {};
__u32 gen_seq = 0;
/* The clock at frames gen_first and gen_last: times a test_run from
 * inside (the syscall also swaps the XDP dispatcher, milliseconds). */
__u32 gen_first = 0;
__u32 gen_last = 0;
__u64 gen_t0 = 0;
__u64 gen_t1 = 0;

static __always_inline __u16 ip_csum(const __u16 *h)
{
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += i == 5 ? 0 : h[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u32 off = gen_l3_off, idx, x = gen_seq++;
	__u16 *ip;

	if (x == gen_first)
		gen_t0 = bpf_ktime_get_ns();
	else if (x == gen_last)
		gen_t1 = bpf_ktime_get_ns();
	if (off > 64)
		return XDP_ABORTED;
	ip = (__u16 *)(data + off);
	if ((__u8 *)(ip + 10) > end)
		return XDP_ABORTED;
	if (gen_nsrc > 1) {
		idx = (x % gen_nsrc) & (GEN_MAX_SRC - 1);
		/* saddr: 16-bit words 6 and 7 of the header */
		ip[6] = (__u16)gen_src[idx];
		ip[7] = (__u16)(gen_src[idx] >> 16);
	}
	ip[5] = ip_csum(ip);
	return bpf_redirect(gen_ifindex, 0);
}

// cppcheck-suppress unknownMacro
SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
