/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Access to floodgate's maps from user space, either from a loaded
 * object (daemon, tests) or from the pins (CLI, adopting daemon).
 * Functions return 0 or -errno.
 */
#ifndef FG_MAPIO_H
#define FG_MAPIO_H

#include <stdbool.h>
#include <stddef.h>

#include "fg_abi.h"
#include "units.h"

struct bpf_object;

#define FG_MAP_FD(field, name) int field;
struct fg_maps {
	FG_MAP_TABLE(FG_MAP_FD) /* one descriptor per map */
	struct fg_ctl *ctl_mem; /* mmap of fg_ctl: single-field stores */
	void *ports_mem;	/* mmap of fg_ports */
	size_t ctl_len, ports_len;
	bool owns_fds;
	/* Rule slots (bit slot - 1) the staged config gives to a rule the
	 * live one does not have there: their counters' baselines are taken
	 * at the commit. */
	__u64 fresh_slots;
};

#undef FG_MAP_FD

/* The maps' names, in struct order, for loops over them. */
/* A sum, so no parentheses around it. */
#define FG_MAP_ONE(field, name) +1 /* NOLINT(bugprone-macro-parentheses) */
enum { FG_MAP_COUNT = 0 FG_MAP_TABLE(FG_MAP_ONE) };
#undef FG_MAP_ONE
extern const char *const fg_map_names[FG_MAP_COUNT];
/* Pins of the program's own maps that user space does not open, and of
 * maps an earlier release pinned: known pins, removed with the rest. */
#define FG_OTHER_PIN_COUNT 2
extern const char *const fg_other_pin_names[FG_OTHER_PIN_COUNT];

void fg_maps_init(struct fg_maps *m);
int fg_maps_from_object(struct bpf_object *obj, struct fg_maps *m);
/* -ENOTSUP when pin_dir is not on a bpffs (not mounted?), -ENOENT when
 * nothing is pinned there. */
int fg_maps_open_pinned(const char *pin_dir, struct fg_maps *m);
void fg_maps_close(struct fg_maps *m);
/* The pid of the floodgated running on these maps, or 0 (checked
 * against /proc: a stale pid may belong to something else by now). */
int fg_daemon_pid(struct fg_maps *m);

/* Removes every pin (maps, program) and the pin directory. */
int fg_pins_remove(const char *pin_dir);

/* Writes cfg and the rule tables into the idle slot, then makes it
 * live: a packet sees either the old config or the new one, never a
 * mix. The CLI's per-rule modes (fg_rule_modes) apply over cfg's. */
struct fg_rule_match;
int fg_maps_apply_config(struct fg_maps *m, const struct fg_config *cfg,
			 const struct fg_rule_match *match,
			 const struct fg_meta *meta);
/* The same in two steps: the write, which the datapath does not see yet,
 * and the switch, once whatever goes with the config is in place too.
 * The switch first takes the baselines of the rules new in their slots
 * (fg_rule_base): should that fail, the switch is made all the same and
 * its -errno returned (those rules' counters may start above 0). */
int fg_maps_stage_config(struct fg_maps *m, const struct fg_config *cfg,
			 const struct fg_rule_match *match,
			 const struct fg_meta *meta);
int fg_maps_commit_config(struct fg_maps *m);
/* After any write that can end a drop sooner than the program knows (a
 * config or rule mode, a box entry removed, a fleet block put, a
 * source's state removed): every CPU's verdict cache (fg_vcache) stops
 * trusting what it holds. */
void fg_maps_verdicts_changed(struct fg_maps *m);
/* The live slot's rule names (meta->rule_names[slot]). */
int fg_maps_read_meta(struct fg_maps *m, struct fg_meta *meta);
/* A rule slot the config uses, up to meta->nrules: the default's, or one
 * with a name (a rule a reload drops leaves its slot free, ruleset.c). */
static inline bool fg_meta_slot_used(const struct fg_meta *meta,
				     unsigned int slot)
{
	return slot == FG_RULE_DEFAULT ||
	       (slot < FG_RULE_SLOTS && meta->rule_names[slot][0] != '\0');
}

/* Lists. `from_cli` entries survive reloads; config entries are
 * replaced by each reload (fg_maps_sync_lists). */
int fg_list_put(struct fg_maps *m, const struct fg_cidr *c, __u32 action,
		bool from_cli);
int fg_list_del(struct fg_maps *m, const struct fg_cidr *c);
/* The stored value of exactly this prefix (an LPM lookup would return a
 * covering one): 0 and *value, or -ENOENT. */
int fg_list_get(struct fg_maps *m, const struct fg_cidr *c, __u32 *value);
/* value: action | origin, as stored. Stops early when cb returns != 0. */
typedef int (*fg_list_cb)(const struct fg_cidr *c, __u32 value, void *arg);
int fg_list_walk(struct fg_maps *m, fg_list_cb cb, void *arg);

/*
 * A reload's list sync, whole or not at all: the config's entries
 * replace the previous config's, the CLI's stay (and win over the
 * config's for one prefix). The plan reads the table and checks that
 * the result fits (-ENOSPC: nothing written; *room, when given, says
 * what was counted); the run makes the writes, and if one fails undoes
 * those made and returns its -errno. Hold fg_pin_lock() across both, so
 * that no CLI writes in between.
 */
struct fg_lists_room {
	size_t config, cli, capacity; /* entries after the sync; the table's */
};
struct fg_list_sync;
struct fg_class_entry;
/* What the config puts into the table: the lists and the classes. */
struct fg_list_want {
	const struct fg_cidr *allow;
	size_t nallow;
	const struct fg_cidr *deny;
	size_t ndeny;
	const struct fg_class_entry *classes;
	size_t nclasses;
};
int fg_list_sync_plan(struct fg_maps *m, const struct fg_list_want *w,
		      struct fg_list_sync **out, struct fg_lists_room *room);
int fg_list_sync_run(struct fg_maps *m, struct fg_list_sync *p);
/* What a planned sync changes, for the reload's log line: entries new,
 * gone, and kept with another value (allow <-> deny). */
struct fg_list_sync_counts {
	size_t added, removed, changed;
};
struct fg_list_sync_counts fg_list_sync_count(const struct fg_list_sync *p);
void fg_list_sync_free(struct fg_list_sync *p);
/* Plan and run in one. */
int fg_maps_sync_lists(struct fg_maps *m, const struct fg_cidr *allow,
		       size_t nallow, const struct fg_cidr *deny, size_t ndeny);
int fg_maps_sync_want(struct fg_maps *m, const struct fg_list_want *w);

/* Counters summed over CPUs. stats[FG_STATS_ENTRIES], by (action,
 * reason) over every row; rule_stats[FG_RULE_STATS_ENTRIES], by rule slot,
 * each since its rule got the slot (fg_rule_base). */
int fg_read_stats(struct fg_maps *m, struct fg_counter *stats,
		  struct fg_counter *rule_stats);
/* fg_table_stats summed over CPUs. */
int fg_read_table_stats(struct fg_maps *m, __u64 out[FG_TABLE_EVENTS]);

/* The clock the program's timestamps use (CLOCK_MONOTONIC). */
__u64 fg_monotonic_ns(void);

/* The penalty box, keyed by (source, rule id), the rule id
 * FG_RULE_ID_ANY for a source boxed for all its traffic. The walk
 * returns how many entries it saw; cb may stop it by returning nonzero. */
typedef int (*fg_blocked_cb)(const struct fg_src_key *k,
			     const struct fg_block *b, void *arg);
long fg_blocked_walk(struct fg_maps *m, fg_blocked_cb cb, void *arg);
int fg_blocked_del(struct fg_maps *m, const struct fg_src_key *k);

/* The fleet's blocks (fg_fleet_blocked), written by the daemon only.
 * put: 1 when written, 0 when a block at least as long was in place. */
long fg_fleet_blocked_walk(struct fg_maps *m, fg_blocked_cb cb, void *arg);
long fg_fleet_blocked_expire(struct fg_maps *m, __u64 now, long *live);
int fg_fleet_block_put(struct fg_maps *m, const struct fg_src_key *k,
		       const struct fg_block *b);
/* Deletes one fleet block: 0, or -errno (-ENOENT: none). */
int fg_fleet_block_del(struct fg_maps *m, const struct fg_src_key *k);
/* Deletes every fleet block; returns how many. */
int fg_fleet_blocked_clear(struct fg_maps *m);
/* Reads up to cap entries of fg_fleet_counts; returns how many, or
 * -errno. */
long fg_fleet_counts_read(struct fg_maps *m, struct fg_src_key *keys,
			  struct fg_fleet_count *vals, size_t cap);

/* Entries in fg_sources (walks the table). */
long fg_count_sources(struct fg_maps *m);
/* Capacity of fg_sources. */
long fg_sources_capacity(struct fg_maps *m);

void fg_lpm_from_cidr(const struct fg_cidr *c, struct fg_lpm_key *k);
void fg_cidr_from_lpm(const struct fg_lpm_key *k, struct fg_cidr *c);

#endif /* FG_MAPIO_H */
