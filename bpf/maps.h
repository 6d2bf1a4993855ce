/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The maps. Their names are the pin names (fg_abi.h). */
#ifndef FG_MAPS_H
#define FG_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fg_abi.h"

/* Runtime knobs. Mmapable, so the CLI flips one field with one store. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct fg_ctl);
} fg_ctl SEC(".maps");

/* Two config slots; fg_ctl.cfg_slot names the live one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FG_CFG_SLOTS);
	__type(key, __u32);
	__type(value, struct fg_config);
} fg_cfg SEC(".maps");

/* Destination port to port group, per config slot: one lookup instead
 * of walking every rule's port list. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FG_CFG_SLOTS * 65536);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct fg_port_groups);
} fg_ports SEC(".maps");

/* (port group, class, destination set) to first-match rule slot, per
 * config slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FG_CFG_SLOTS);
	__type(key, __u32);
	__type(value, struct fg_rule_table);
} fg_rule_table SEC(".maps");

/* Destination CIDRs of rules with `destinations:`, per config slot, to
 * their destination set id. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fg_dest_key);
	__type(value, __u32);
} fg_dests SEC(".maps");

/* A source address's class, valid while its lists_gen is current: an
 * LRU (losing an entry costs one LPM lookup), sized like fg_sources. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FG_MAX_SOURCES_DEFAULT);
	__type(key, struct fg_src_class_key);
	__type(value, struct fg_src_class);
} fg_src_class SEC(".maps");

/* The CLI's per-rule modes, by rule id; only user space reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FG_MAX_RULES * 4);
	__type(key, __u32);
	__type(value, __u32);
} fg_rule_modes SEC(".maps");

/* Per (source, rule) GCRA state. Shared by all CPUs: a source's limit
 * holds for the host. max_entries is set from table.max_sources. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FG_MAX_SOURCES_DEFAULT);
	__type(key, struct fg_src_key);
	__type(value, struct fg_src_state);
} fg_sources SEC(".maps");

/* Allow and deny CIDRs in one table: the most specific prefix wins. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FG_MAX_LIST_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fg_lpm_key);
	__type(value, __u32);
} fg_lists SEC(".maps");

/* Per-CPU counters need no atomics: each CPU writes only its own copy,
 * and user space sums them. One record per (rule, action, reason), so a
 * packet costs one lookup (FG_STATS_INDEX). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FG_STATS_MAP_ENTRIES);
	__type(key, __u32);
	__type(value, struct fg_counter);
} fg_stats SEC(".maps");

/* Rule names per config slot, for the CLI and metrics. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FG_CFG_SLOTS);
	__type(key, __u32);
	__type(value, struct fg_meta);
} fg_meta SEC(".maps");

/* The verdict cache (vcache.h): per CPU, so a flood's packets write no
 * shared line; an array, so its lookup is inlined. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FG_VCACHE_SLOTS + 1);
	__type(key, __u32);
	__type(value, struct fg_vcache_entry);
} fg_vcache SEC(".maps");

/* The penalty box. A plain hash, not an LRU: a flood of other sources
 * cannot evict a blocked one. The daemon expires entries. Keyed by
 * (source, rule), or (source, FG_RULE_ID_ANY) for block_scope: source. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FG_MAX_BLOCKED);
	__type(key, struct fg_src_key);
	__type(value, struct fg_block);
} fg_blocked SEC(".maps");

/* Per (prefix, rule) GCRA state of rules with an aggregate. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FG_MAX_SOURCES_DEFAULT / 4);
	__type(key, struct fg_src_key);
	__type(value, struct fg_src_state);
} fg_aggregates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fg_admit_state);
} fg_admit SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FG_TABLE_EVENTS);
	__type(key, __u32);
	__type(value, __u64);
} fg_table_stats SEC(".maps");

/* Fleet-wide limits: what each (source, rule) of a rule with `fleet:`
 * passed, read by the daemon every sync period. An LRU bounds the
 * daemon's work per period. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FG_MAX_FLEET_SOURCES);
	__type(key, struct fg_src_key);
	__type(value, struct fg_fleet_count);
} fg_fleet_counts SEC(".maps");

/* The fleet's verdicts: (source, rule) over the fleet-wide limit, until
 * the fleet's window says otherwise. Written and expired by the daemon
 * only; a plain hash, so a flood cannot evict them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FG_MAX_FLEET_BLOCKED);
	__type(key, struct fg_src_key);
	__type(value, struct fg_block);
} fg_fleet_blocked SEC(".maps");

/* The chain slot (pinned as FG_MAP_NEXT): the program an operator puts
 * here gets every packet floodgate passes. A program array's first user
 * fixes what it may hold: XDP programs, jited, without xdp.frags, like
 * this one; the kernel refuses others when they are put in. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} next SEC(".maps");

/* Packets and bytes handed to the chain slot's program. Per-CPU, like
 * fg_stats. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fg_counter);
} fg_chain_stats SEC(".maps");

/* `floodgate advise`'s histograms: the daemon writes them, the CLI reads
 * them from the pin; the program never touches them, the loader pins
 * them with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FG_ADVISE_ENTRIES);
	__type(key, __u32);
	__type(value, struct fg_advise_hist);
} fg_advise SEC(".maps");

/* The baselines of the per-rule counters (fg_abi.h): user space's,
 * pinned with the rest so a restarted daemon and the CLI read them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FG_RULE_SLOTS);
	__type(key, __u32);
	__type(value, struct fg_rule_base);
} fg_rule_base SEC(".maps");

#endif /* FG_MAPS_H */
