// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Counts the entries of maps without walking them: a bpf_map iterator
 * that reports bpf_map_sum_elem_count() (per-CPU counters the kernel
 * keeps for hash maps, LRU evictions included, since 6.6) for every map.
 * /metrics and `floodgate status` read floodgate_tracked_sources in
 * microseconds instead of walking a million-entry table.
 *
 * Not XDP code: it needs three kernel types, declared here with only the
 * fields used and relocated by CO-RE against the running kernel's BTF.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct seq_file;

struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));

struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

extern __s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;

/* One record per map, read by user/lib/mapcount.c. */
struct fg_map_count {
	__u32 id;
	__u32 pad;
	__s64 count;
};

SEC("iter/bpf_map")
int fg_map_count(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	struct fg_map_count rec = {};

	if (!map)
		return 0;
	rec.id = map->id;
	rec.count = bpf_map_sum_elem_count(map);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
