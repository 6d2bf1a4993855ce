/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ABI between the XDP program and user space: map keys and values,
 * the live config, counter indexes. Included by both sides; explicit
 * widths and padding, sizes asserted. Pinned maps outlive the daemon, so a
 * value's size is part of the on-disk contract: grow only into the
 * reserved fields.
 */
#ifndef FG_ABI_H
#define FG_ABI_H

#include <linux/types.h>

#include "fg_reasons.h"

#define FG_PIN_DIR_DEFAULT "/sys/fs/bpf/floodgate"

/* Map names, also their pin file names under the pin directory. */
#define FG_MAP_CTL "fg_ctl"
#define FG_MAP_CFG "fg_cfg"
#define FG_MAP_PORTS "fg_ports"
#define FG_MAP_SOURCES "fg_sources"
#define FG_MAP_LISTS "fg_lists"
#define FG_MAP_STATS "fg_stats"
/* The verdict cache: the program's alone, pinned with the rest. */
#define FG_MAP_VCACHE "fg_vcache"
/* Pinned by releases that counted per rule in a map of its own; the
 * loader removes it. */
#define FG_MAP_RETIRED_RULE_STATS "fg_rule_stats"
#define FG_MAP_META "fg_meta"
#define FG_MAP_BLOCKED "fg_blocked"
#define FG_MAP_AGGREGATES "fg_aggregates"
#define FG_MAP_ADMIT "fg_admit"
#define FG_MAP_TABLE_STATS "fg_table_stats"
#define FG_MAP_FLEET_COUNTS "fg_fleet_counts"
#define FG_MAP_FLEET_BLOCKED "fg_fleet_blocked"
/* The chain slot: a program array of one, pinned under the name the
 * operator's tools use (DESIGN.md §10), and what was handed to it. */
#define FG_MAP_NEXT "next"
#define FG_MAP_CHAIN_STATS "fg_chain_stats"
#define FG_MAP_RULE_TABLE "fg_rule_table"
#define FG_MAP_DESTS "fg_dests"
#define FG_MAP_SRC_CLASS "fg_src_class"
#define FG_MAP_RULE_MODES "fg_rule_modes"
#define FG_MAP_ADVISE "fg_advise"
#define FG_MAP_RULE_BASE "fg_rule_base"
#define FG_CHAIN_SLOT 0 /* the one entry of FG_MAP_NEXT */
#define FG_PIN_PROG "prog"

/* Every map user space opens, in one table: X(struct fg_maps field, pin
 * name). It generates struct fg_maps, the name list and the loops over
 * them (mapio.c); a new map is one line here plus its definition in
 * bpf/maps.h. Append only. */
/* clang-format off */
#define FG_MAP_TABLE(X)                                                        \
	X(ctl, FG_MAP_CTL)                                                     \
	X(cfg, FG_MAP_CFG)                                                     \
	X(ports, FG_MAP_PORTS)                                                 \
	X(sources, FG_MAP_SOURCES)                                             \
	X(lists, FG_MAP_LISTS)                                                 \
	X(stats, FG_MAP_STATS)                                                 \
	X(meta, FG_MAP_META)                                                   \
	X(blocked, FG_MAP_BLOCKED)                                             \
	X(aggregates, FG_MAP_AGGREGATES)                                       \
	X(admit, FG_MAP_ADMIT)                                                 \
	X(table_stats, FG_MAP_TABLE_STATS)                                     \
	X(fleet_counts, FG_MAP_FLEET_COUNTS)                                   \
	X(fleet_blocked, FG_MAP_FLEET_BLOCKED)                                 \
	X(next, FG_MAP_NEXT)                                                   \
	X(chain_stats, FG_MAP_CHAIN_STATS)                                     \
	X(rule_table, FG_MAP_RULE_TABLE)                                       \
	X(dests, FG_MAP_DESTS)                                                 \
	X(src_class, FG_MAP_SRC_CLASS)                                         \
	X(rule_modes, FG_MAP_RULE_MODES)                                       \
	X(advise, FG_MAP_ADVISE)                                               \
	X(rule_base, FG_MAP_RULE_BASE)
/* clang-format on */

/* Rate dimensions; each is one GCRA timestamp per (source, rule). */
enum fg_dim {
	FG_DIM_PACKETS = 0,
	FG_DIM_BYTES = 1,
	FG_DIM_CONNECTIONS = 2, /* TCP SYN without ACK */
	FG_DIM_COUNT = 3,
};

/* Protocol classes a rule can match. Only TCP and UDP carry ports. */
enum fg_proto_class {
	FG_PCLASS_TCP = 0,
	FG_PCLASS_UDP = 1,
	FG_PCLASS_ICMP = 2, /* ICMP and ICMPv6 */
	FG_PCLASS_OTHER = 3,
	FG_PCLASS_COUNT = 4,
};
#define FG_PORT_CLASSES 2 /* TCP, UDP */

/* Rule slot 0 holds the default limits; user rules (and the defaults
 * scaled for a class) hold slots 1..nrules. A rule keeps its slot, and
 * so its counters, across reloads and restarts (ruleset.c assigns them
 * by name): a slot below nrules may be free (id 0, no name). */
#define FG_MAX_RULES 64
#define FG_RULE_SLOTS (FG_MAX_RULES + 1)
#define FG_RULE_DEFAULT 0
#define FG_RULE_ID_DEFAULT 0
/* fg_blocked key's rule id for a source boxed for all its traffic
 * (block_scope: source); no rule has it (fg_rule_id). */
#define FG_RULE_ID_ANY 0xffffffffu

/* Two config slots: user space fills the idle one, then flips
 * fg_ctl.cfg_slot, so a packet never sees half a reload. */
#define FG_CFG_SLOTS 2

#define FG_MAX_SOURCES_DEFAULT 262144
/* The lists' LPM trie (BPF_F_NO_PREALLOC: costs nothing until used):
 * the config's lists and files (spec: at least 1 000 000) and the
 * entries of `floodgate allow|deny` together. */
#define FG_MAX_LIST_ENTRIES 2097152
#define FG_MAX_BLOCKED 65536 /* penalty box: not evictable */
/* Escalating boxes: the longest box (and window) the config takes, the
 * largest repeat factor, and where the strike count stops. 24 h < 2^47
 * ns and a box is multiplied only while under its max, so box times
 * stay below 2^51: no overflow. */
#define FG_BLOCK_NS_MAX (24ULL * 3600 * 1000000000ULL)
#define FG_BLOCK_FACTOR_MAX 16
#define FG_BLOCK_STRIKES_MAX 64
/* Fleet-wide limits (DESIGN.md §8): the (source, rule) pairs whose
 * passes the daemon reads each sync period (an LRU: the least recently
 * seen go first), and the fleet's blocks (not evictable). */
#define FG_MAX_FLEET_SOURCES 131072
#define FG_MAX_FLEET_BLOCKED 65536

/* GCRA interval fixed point: ns per unit << FG_FP_SHIFT, so byte rates
 * above 1 GB/s (under 1 ns per byte) stay exact enough. */
#define FG_FP_SHIFT 16

/* Bounded IPv6 extension-header walk. */
#define FG_MAX_EXT_HDRS 8

enum fg_rule_action {
	FG_RULE_ACTION_DROP = 0,
	FG_RULE_ACTION_RESET = 1, /* TCP SYN over limit: answer with RST */
};

/* What a source boxed by a rule is dropped for. */
enum fg_block_scope {
	FG_BLOCK_SCOPE_RULE = 0,   /* traffic matching that rule only */
	FG_BLOCK_SCOPE_SOURCE = 1, /* all its traffic */
};

/* fg_lists value. One LPM table serves the allow and deny lists and
 * the source classes (DESIGN.md §9). Each entry says what it is itself
 * (its own action, class, and who put it there: a reload replaces the
 * config's entries and keeps the CLI's) and what the datapath acts on:
 * the effective action and class, its own or else those of the nearest
 * enclosing entry that has one, which user space composes
 * (fg_lists_compose) because the lookup returns only the most specific
 * entry. So a class inside a deny prefix is still denied, and a class
 * member on the allow list is still allowed. */
enum fg_list_action {
	FG_LIST_ALLOW = 1,
	FG_LIST_DENY = 2,
};
#define FG_LIST_ACTION_MASK 0xffu /* own action */
#define FG_LIST_FROM_CLI 0x100u
#define FG_LIST_CLASS_SHIFT 16 /* own class id, 0 = none */
#define FG_LIST_CLASS_MASK 0xffu
#define FG_LIST_EFF_CLASS_SHIFT 24 /* effective class id */
#define FG_LIST_EFF_CLASS_MASK 0x0fu
#define FG_LIST_EFF_ACTION_SHIFT 28 /* effective action */
#define FG_LIST_EFF_ACTION_MASK 0x3u
#define FG_LIST_OWN_MASK 0x00ffffffu /* what compose leaves alone */

/* Source classes: ids 1..FG_MAX_CLASSES, 0 = in no class. */
#define FG_MAX_CLASSES 15
#define FG_CLASS_SLOTS (FG_MAX_CLASSES + 1)
/* Destination sets: the distinct sets of rules whose `destinations:`
 * cover an address, ids 1..FG_MAX_DEST_SETS, 0 = covered by none. */
#define FG_MAX_DEST_SETS 7
#define FG_DEST_SLOTS (FG_MAX_DEST_SETS + 1)
/* Port groups: destination ports (per protocol) that the same rules
 * match, so rule choice is one (group, class, destination set) cell. */
#define FG_PORT_GROUPS 128

/* fg_rule_table value, one per config slot: the first-match rule slot
 * for every (port group, source class, destination set). Its size is
 * groups x classes x destination sets, fixed at 16 KiB: it grows with
 * none of them, and the compiler refuses a config needing more. */
struct fg_rule_table {
	__u8 slot[FG_PORT_GROUPS][FG_CLASS_SLOTS][FG_DEST_SLOTS];
};

/* fg_dests key: the config slot, then the destination address, so each
 * config slot has its own entries and a reload never mixes them. */
struct fg_dest_key {
	__u32 prefixlen; /* 8 (the slot) + the address's 128-bit prefix */
	__u8 cfg_slot;
	__u8 addr[16];
	__u8 pad[3];
};

/* fg_src_class: what the lists said of one whole source address, while
 * fg_ctl.lists_gen has not moved; used when rule choice depends on the
 * class, so known sources still skip the LPM lookup. */
struct fg_src_class_key {
	__u32 addr[4];
};
struct fg_src_class {
	__u32 lists_gen;
	__u32 class_id;
};

/* fg_rule_modes: the CLI's per-rule mode, by rule id, kept across
 * reloads (`floodgate mode dry-run --rule NAME`). */
enum fg_rule_mode {
	FG_RULE_MODE_CONFIG = 0, /* as the config says */
	FG_RULE_MODE_ENFORCE = 1,
	FG_RULE_MODE_DRY_RUN = 2,
};

/* One dimension's limit. interval_fp == 0 means unlimited. A packet of
 * cost c conforms when max(tat, now) + c * interval - now <= tolerance. */
struct fg_limit {
	__u64 interval_fp;  /* ns per unit << FG_FP_SHIFT */
	__u64 tolerance_ns; /* burst * interval, in ns */
};

struct fg_rule {
	struct fg_limit limit[FG_DIM_COUNT];
	struct fg_limit agg_limit[FG_DIM_COUNT]; /* whole-prefix caps */
	__u64 block_ns;				 /* penalty box; 0 = none */
	__u32 agg_mask6[4];			 /* network order */
	__u32 agg_mask4;			 /* network order */
	__u32 id;    /* stable id (hash of the name): state survives reorder */
	__u8 action; /* enum fg_rule_action */
	__u8 has_aggregate;
	__u8 block_scope; /* enum fg_block_scope */
	/* 1: the rule has a fleet-wide limit: its passes are counted in
	 * fg_fleet_counts and its sources checked in fg_fleet_blocked. */
	__u8 fleet;
	/* 1: shadow mode (`mode: dry-run` on the rule): its over-limit
	 * packets pass as dry_run while other rules enforce. */
	__u8 dry_run;
	__u8 pad[3];
	/* Escalating `block` (repeat offenders): block_ns is the first
	 * box; a key boxed again within block_window_ns after its last box
	 * ended is boxed block_factor times as long as that last box, at
	 * most block_max_ns (<= FG_BLOCK_NS_MAX). A plain `block: D` is
	 * factor 1, max D, window 0. */
	__u64 block_max_ns;
	__u64 block_window_ns;
	__u8 block_factor; /* 1..FG_BLOCK_FACTOR_MAX; 1 = no escalation */
	__u8 pad_end[7];
};

struct fg_config {
	/* New sources admitted into the table, for all of them together:
	 * bounds how fast a flood of spoofed sources can churn it. */
	struct fg_limit admit;
	__u32 mask6[4]; /* source key mask for IPv6, network order */
	__u32 mask4;	/* source key mask for IPv4, network order */
	__u32 nrules;	/* the highest rule slot in use */
	__u8 malformed_drop;
	__u8 portless_group[FG_PCLASS_COUNT]; /* port group of packets
						* without ports: ICMP, other,
						* fragments */
	/* 1: the rule depends on the source's class (a rule names
	 * `sources`, or a class scales the limits): the class is looked
	 * up before the rule. */
	__u8 class_rules;
	/* 1: a rule names `destinations`: fg_dests is looked up. */
	__u8 has_dests;
	__u8 pad;
	struct fg_rule rules[FG_RULE_SLOTS];
};

/* fg_ctl: one mmapable entry, so the CLI flips a field with one store.
 * The first 64-byte line holds what every packet reads, the second what
 * only user space reads and writes often (the daemon's fleet status):
 * such stores do not take the packets' line away from every CPU. */
struct fg_ctl {
	__u32 enabled;	/* kill-switch: 0 = pass everything */
	__u32 dry_run;	/* 1 = count would-be drops, pass them */
	__u32 cfg_slot; /* live fg_cfg slot */
	/* Set by the program when it fills the penalty box, cleared by the
	 * daemon when no entry's time is up (entries kept only for their
	 * window block nobody): no lookup while nobody is blocked. */
	__u32 block_active;
	/* Bumped by every writer of fg_lists after it writes: a source
	 * whose state carries the current generation is known not listed,
	 * and skips the LPM lookup. */
	__u32 lists_gen;
	/* Like block_active, for entries of block_scope: source: the
	 * second lookup (the source's rule-less key) only while they exist. */
	__u32 block_source_active;
	/* Like block_active, for fg_fleet_blocked; kept by the daemon. */
	__u32 fleet_block_active;
	/* 1 while the chain slot (fg_next) holds a program: a pass pays
	 * no tail call while nobody is chained. */
	__u32 chain_active;
	/* Bumped by every writer that can end a drop early: a config or a
	 * rule's mode written, a box removed before its time is up, a
	 * fleet block put, a source's state removed. Each CPU's verdict cache (fg_vcache)
	 * trusts only entries made under the current value. */
	__u32 verdict_gen;
	__u32 hot_pad[7];

	__u32 daemon_pid;      /* 0 when no daemon runs: `floodgate reload` */
	__u32 reloads_success; /* lets `floodgate reload` report the result */
	__u32 reloads_failure;
	/* The daemon's fleet link, for `floodgate status`: enum
	 * fg_fleet_state, when it last synced (CLOCK_MONOTONIC ms, mod
	 * 2^32), and how many hosts the fleet saw in its last sync. */
	__u32 fleet_state;
	__u32 fleet_sync_ms;
	__u32 fleet_hosts;
	/* Timed kill-switch and mode (`--for`): when, in CLOCK_BOOTTIME
	 * seconds, the daemon flips the field to the opposite of the value
	 * the timed command set; 0 = not timed. Pinned, so a restarted
	 * daemon still reverts on time. */
	__u32 enabled_revert_at;
	__u32 dry_run_revert_at;
	__u32 cold_pad[8];
};

enum fg_fleet_state {
	FG_FLEET_OFF = 0,  /* no fleet: section absent or redis "" */
	FG_FLEET_UP = 1,   /* the last sync reached Redis */
	FG_FLEET_DOWN = 2, /* configured, Redis unreachable or refusing */
};

/* fg_ports key: slot << 16 | destination port (host order). */
struct fg_port_groups {
	__u8 group[FG_PORT_CLASSES]; /* port group, per protocol class */
};

struct fg_src_key {
	__u32 addr[4]; /* IPv6, or IPv4 mapped ::ffff:a.b.c.d; masked */
	__u32 rule_id;
};

struct fg_src_state {
	__u64 tat[FG_DIM_COUNT]; /* GCRA theoretical arrival time, ns */
	/* For `floodgate top`. Plain adds from several CPUs may lose a
	 * count under contention: approximate by design, no atomics; they
	 * stop at FG_TOP_COUNT_MAX rather than wrap. */
	__u32 passed;
	__u32 dropped;
	__u32 lists_gen; /* fg_ctl.lists_gen when last found not listed */
	/* Over-limit packets passed in dry-run, sampled like `dropped`:
	 * what `floodgate advise` adds to see the offered rate. */
	__u32 would_drop;
};
#define FG_TOP_COUNT_MAX 0xffff0000u

/* fg_vcache: a per-CPU, direct-mapped cache of drops known to hold
 * until a time (a source over its packet rate until its next token, a
 * boxed source until its box ends) or until the lists change (a
 * deny-listed source). Keyed by what picks the verdict: the whole source
 * address and the port key (fg_vcache_port_key); trusted only under the
 * lists and verdict generations it was made under, and before until_ns. */
#define FG_VCACHE_BITS 10
#define FG_VCACHE_SLOTS (1u << FG_VCACHE_BITS)
/* The entry after the cache: the generations the packet began with. */
#define FG_VCACHE_SCRATCH FG_VCACHE_SLOTS
struct fg_vcache_entry {
	__u32 addr[4];
	__u32 port_key;
	__u32 lists_gen;
	__u32 verdict_gen;
	__u8 rule_slot; /* the packet's rule */
	__u8 reason;	/* enum fg_reason of the drop */
	__u8 cfg_slot;	/* the config slot the drop was decided under */
	__u8 pad;
	__u64 until_ns; /* 0: an empty slot (the clock is past it) */
};

/* fg_blocked: the penalty box, keyed by struct fg_src_key (the source as
 * the table keys it, and the boxing rule's id or FG_RULE_ID_ANY). */
struct fg_block {
	__u64 until_ns;	 /* monotonic (coarse) clock */
	__u32 rule_slot; /* the rule that put it there */
	/* Repeats: 0 for a first box, +1 for each box that began within
	 * the rule's block window after the last one ended, at most
	 * FG_BLOCK_STRIKES_MAX. The entry outlives its box by that window
	 * so that the next boxing finds it. Always 0 in fg_fleet_blocked. */
	__u32 strikes;
};

/* fg_fleet_counts value: what a (source, rule) passed, cumulative since
 * the entry was made (atomic adds; the daemon takes differences, modulo
 * 2^64). */
struct fg_fleet_count {
	__u64 packets;
	__u64 bytes;
	__u64 connections; /* TCP SYNs without ACK */
};

/* fg_admit: the admission limiter's state, alone in its cache line. */
struct fg_admit_state {
	__u64 tat;
	__u64 pad[7];
};

/* fg_table_stats (per-CPU __u64) indexes. */
enum fg_table_event {
	FG_TABLE_INSERTED = 0,		/* sources admitted into the table */
	FG_TABLE_INSERTED_NO_BURST = 1, /* admitted under pressure, no burst */
	FG_TABLE_REFUSED = 2,	    /* packets of new sources over admission */
	FG_TABLE_INSERT_FAILED = 3, /* the map refused an insert */
	FG_TABLE_BLOCKED = 4,	    /* sources put into the penalty box */
	FG_TABLE_BLOCK_FULL = 5,    /* penalty box full: not blocked */
	FG_TABLE_EVENTS = 8,
};

struct fg_lpm_key {
	__u32 prefixlen; /* of the 128-bit (mapped) address */
	__u32 addr[4];
};

/* fg_meta, per config slot: what user space needs to describe the live
 * config (the XDP program never reads it). */
#define FG_RULE_NAME_LEN 48
#define FG_CLASS_NAME_LEN 32
struct fg_meta {
	char rule_names[FG_RULE_SLOTS][FG_RULE_NAME_LEN];
	__u32 nrules;
	__u8 ipv4_prefix; /* the source key's prefixes, to show and */
	__u8 ipv6_prefix; /* to mask addresses typed into the CLI */
	__u8 pad[2];
	/* What the config file says, so `floodgate status` can show where
	 * the running state (changed from the CLI) differs from it. */
	__u32 config_enabled;
	__u32 config_dry_run;
	/* enum fg_multiprog_state: how xdp_mode: multiprog attached. */
	__u32 multiprog_state;
	__u32 reserved[11];
	/* Class names by id ("" = unused id), for explain and status. */
	char class_names[FG_CLASS_SLOTS][FG_CLASS_NAME_LEN];
	/* What the config file says of each rule's mode (1 = dry-run),
	 * beside fg_config's rules[].dry_run, which is what runs. */
	__u8 rule_config_dry_run[FG_RULE_SLOTS];
	__u8 pad2[7];
};

enum fg_multiprog_state {
	FG_MULTIPROG_OFF = 0,	     /* not asked for */
	FG_MULTIPROG_DISPATCHER = 1, /* attached through libxdp's dispatcher */
	FG_MULTIPROG_FALLBACK = 2,   /* dispatcher refused: attached alone */
};

/*
 * fg_advise (`floodgate advise`, written by the daemon only; the program
 * never reads it): a ring of histograms, one per (time window, rule), of
 * the per-source peak packet rates seen in that window. Bucket 0 holds
 * peaks under 1 pps; bucket i >= 1 holds [2^((i-1)/16), 2^(i/16)) pps,
 * 1/16 octave wide, up to 2^24 pps (the last bucket takes anything
 * above).
 */
#define FG_ADVISE_SUBOCTAVES 16
#define FG_ADVISE_OCTAVES 24
#define FG_ADVISE_BUCKETS (1 + FG_ADVISE_OCTAVES * FG_ADVISE_SUBOCTAVES + 1)
#define FG_ADVISE_ENTRIES 2048
struct fg_advise_hist {
	__u64 start_s;	   /* CLOCK_REALTIME; 0: an unused entry */
	__u32 window_s;	   /* the window's length */
	__u32 rule_id;	   /* fg_rule.id */
	__u32 interval_ms; /* the sampling interval */
	__u32 samples;	   /* sampling passes made in the window so far */
	/* Sources not measured: their counters (fg_src_state's 32-bit
	 * passed, dropped, would_drop) stopped at FG_TOP_COUNT_MAX. */
	__u32 saturated;
	__u32 pad;
	char rule[FG_RULE_NAME_LEN];
	__u32 count[FG_ADVISE_BUCKETS]; /* sources per peak-rate bucket */
};

struct fg_counter {
	__u64 packets;
	__u64 bytes;
};

/* Counters by (action, reason): index action * FG_REASON_SLOTS + reason.
 * Room to add reasons without changing the pinned map's size. */
#define FG_REASON_SLOTS 32
#define FG_STATS_ENTRIES (FG_ACTION_COUNT * FG_REASON_SLOTS)
/* fg_stats, the one per-CPU counter map: a row of FG_STATS_ENTRIES per
 * rule slot, after row 0 for packets no rule counts (not reached,
 * listed, boxed). A packet moves one counter, at
 * FG_STATS_INDEX(row, action, reason); user space sums the rows for
 * the totals by (action, reason), and a row's reasons for its rule's
 * counters by action. */
#define FG_STATS_ROWS (FG_RULE_SLOTS + 1)
#define FG_STATS_MAP_ENTRIES (FG_STATS_ROWS * FG_STATS_ENTRIES)
#define FG_STATS_INDEX(row, action, reason) \
	((row)*FG_STATS_ENTRIES + (action)*FG_REASON_SLOTS + (reason))
/* Per-rule counters as user space reads them: rule slot *
 * FG_RULE_ACTIONS + action, where a rule's over-limit packets passed
 * in dry-run (global or the rule's shadow mode, reason dry_run) count
 * as their own action, FG_RULE_ACTION_DRY_RUN. */
#define FG_RULE_ACTION_DRY_RUN FG_ACTION_COUNT
#define FG_RULE_ACTIONS (FG_ACTION_COUNT + 1)
#define FG_RULE_STATS_ENTRIES (FG_RULE_SLOTS * FG_RULE_ACTIONS)

/* fg_rule_base, by rule slot (user space's; the program never reads
 * it): what the slot's fg_stats row held, by rule action, when the slot
 * was given to the rule it holds now. A removed rule's row is never
 * zeroed, so the totals by (action, reason) never go back; the rule that
 * takes the slot next counts from this baseline. */
struct fg_rule_base {
	struct fg_counter base[FG_RULE_ACTIONS];
};

_Static_assert(FG_REASON_COUNT <= FG_REASON_SLOTS, "reason slots");
_Static_assert(FG_RULE_SLOTS <= 255, "rule slot fits a __u8");
_Static_assert(sizeof(struct fg_limit) == 16, "fg_limit size");
_Static_assert(sizeof(struct fg_rule) == 160, "fg_rule size");
_Static_assert(sizeof(struct fg_config) == 48 + 160 * FG_RULE_SLOTS,
	       "fg_config size");
_Static_assert(sizeof(struct fg_ctl) == 128, "fg_ctl size");
_Static_assert(__builtin_offsetof(struct fg_ctl, daemon_pid) == 64,
	       "fg_ctl: the packets' fields fill the first line");
_Static_assert(sizeof(struct fg_port_groups) == 2, "fg_port_groups size");
_Static_assert(FG_PORT_GROUPS <= 256, "port group fits a __u8");
_Static_assert(sizeof(struct fg_rule_table) == 16384, "fg_rule_table size");
_Static_assert(sizeof(struct fg_dest_key) == 24, "fg_dest_key size");
_Static_assert(sizeof(struct fg_src_class) == 8, "fg_src_class size");
_Static_assert(sizeof(struct fg_src_key) == 20, "fg_src_key size");
_Static_assert(sizeof(struct fg_src_state) == 40, "fg_src_state size");
_Static_assert(sizeof(struct fg_lpm_key) == 20, "fg_lpm_key size");
_Static_assert(sizeof(struct fg_block) == 16, "fg_block size");
_Static_assert(sizeof(struct fg_vcache_entry) == 40, "fg_vcache_entry size");
_Static_assert(sizeof(struct fg_fleet_count) == 24, "fg_fleet_count size");
_Static_assert(sizeof(struct fg_admit_state) == 64, "fg_admit_state size");
_Static_assert(sizeof(struct fg_counter) == 16, "fg_counter size");
_Static_assert(sizeof(struct fg_rule_base) ==
		   sizeof(struct fg_counter) * FG_RULE_ACTIONS,
	       "fg_rule_base size");
_Static_assert(sizeof(struct fg_advise_hist) == 80 + 4 * FG_ADVISE_BUCKETS,
	       "fg_advise_hist size");
_Static_assert(sizeof(struct fg_meta) ==
		   48 * FG_RULE_SLOTS + 64 + FG_CLASS_SLOTS * 32 + 72,
	       "fg_meta size");

#endif /* FG_ABI_H */
