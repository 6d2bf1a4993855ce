// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "snapshot.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <linux/if_link.h>
#include <stdlib.h>
#include <string.h>

#define FG_REASON_LABEL(name, label, actions) label,
#define FG_REASON_ACTIONS(name, label, actions) actions,
#define FG_ACTION_LABEL(name, label) label,
static const char *const reason_labels[] = {FG_REASON_LIST(FG_REASON_LABEL)};
static const unsigned char reason_actions[] = {
    FG_REASON_LIST(FG_REASON_ACTIONS)};
static const char *const action_labels[] = {FG_ACTION_LIST(FG_ACTION_LABEL)};

bool fg_reason_has_action(unsigned int reason, unsigned int action)
{
	return reason < FG_REASON_COUNT &&
	       (reason_actions[reason] & (1u << action));
}

const char *fg_reason_label(unsigned int reason)
{
	return reason < FG_REASON_COUNT ? reason_labels[reason] : "unknown";
}

const char *fg_action_label(unsigned int action)
{
	return action < FG_ACTION_COUNT ? action_labels[action] : "unknown";
}

const char *fg_rule_action_label(unsigned int action)
{
	return action == FG_RULE_ACTION_DRY_RUN ? "dry_run"
						: fg_action_label(action);
}

const char *fg_multiprog_state_name(__u32 state)
{
	switch (state) {
	case FG_MULTIPROG_DISPATCHER:
		return "dispatcher";
	case FG_MULTIPROG_FALLBACK:
		return "fallback";
	default:
		return "off";
	}
}

const char *fg_table_event_label(unsigned int event)
{
	static const char *const labels[FG_TABLE_EVENTS] = {
	    [FG_TABLE_INSERTED] = "inserted",
	    [FG_TABLE_INSERTED_NO_BURST] = "inserted_no_burst",
	    [FG_TABLE_REFUSED] = "refused",
	    [FG_TABLE_INSERT_FAILED] = "insert_failed",
	    [FG_TABLE_BLOCKED] = "blocked",
	    [FG_TABLE_BLOCK_FULL] = "block_full",
	};

	return event < FG_TABLE_EVENTS ? labels[event] : NULL;
}

struct live_count {
	__u64 now;
	long n;
};

static int count_live(const struct fg_src_key *k, const struct fg_block *b,
		      void *arg)
{
	struct live_count *live = arg;

	(void)k;
	if (b->until_ns > live->now)
		live->n++;
	return 0;
}

static void read_fleet(const struct fg_ctl *ctl, __u64 now_ns,
		       struct fg_snapshot *s)
{
	__u32 at = __atomic_load_n(&ctl->fleet_sync_ms, __ATOMIC_ACQUIRE);

	s->fleet_state = __atomic_load_n(&ctl->fleet_state, __ATOMIC_RELAXED);
	s->fleet_hosts = __atomic_load_n(&ctl->fleet_hosts, __ATOMIC_RELAXED);
	/* Milliseconds mod 2^32 on both sides: the age survives the wrap. */
	s->fleet_sync_age_ms =
	    at ? (long)(__u32)((__u32)(now_ns / 1000000) - at) : -1;
}

static int read_rule_modes(struct fg_maps *m, struct fg_snapshot *s)
{
	__u32 live = __atomic_load_n(&m->ctl_mem->cfg_slot, __ATOMIC_ACQUIRE);
	struct fg_config *cfg = malloc(sizeof(*cfg));
	int err = 0;

	if (!cfg)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->cfg, &live, cfg))
		err = -errno;
	for (int r = 0; !err && r < FG_RULE_SLOTS; r++)
		s->cfg_dry_run[r] = cfg->rules[r].dry_run;
	free(cfg);
	return err;
}

int fg_snapshot_read(struct fg_maps *m, bool count_sources,
		     struct fg_snapshot *s)
{
	struct live_count live = {fg_monotonic_ns(), 0};
	int err;

	memset(s, 0, sizeof(*s));
	s->enabled = __atomic_load_n(&m->ctl_mem->enabled, __ATOMIC_RELAXED);
	s->dry_run = __atomic_load_n(&m->ctl_mem->dry_run, __ATOMIC_RELAXED);
	/* The names before the counters: a reload's switch comes after its
	 * new rules' baselines (fg_maps_commit_config), so a rule read here
	 * has its baseline in place when the counters are read. */
	err = fg_maps_read_meta(m, &s->meta);
	if (err)
		return err;
	err = fg_read_stats(m, s->stats, s->rule_stats);
	if (err)
		return err;
	err = read_rule_modes(m, s);
	if (err)
		return err;
	err = fg_read_table_stats(m, s->table_events);
	if (err)
		return err;
	err = fg_chain_read(m, &s->chain);
	if (err)
		return err;
	fg_blocked_walk(m, count_live, &live);
	s->blocked_sources = live.n;
	live.n = 0;
	fg_fleet_blocked_walk(m, count_live, &live);
	s->fleet_blocked = live.n;
	read_fleet(m->ctl_mem, live.now, s);
	s->capacity = fg_sources_capacity(m);
	s->tracked_sources = count_sources ? fg_count_sources(m) : -1;
	return 0;
}

int fg_snapshot_find_ifaces(__u32 prog_id, struct fg_snapshot *s)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index && s->nifaces < FG_SNAP_MAX_IFACES; i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		struct fg_iface_state *st;

		if (bpf_xdp_query((int)i->if_index, 0, &q))
			continue;
		st = &s->ifaces[s->nifaces];
		if (q.drv_prog_id == prog_id)
			st->mode = "native";
		else if (q.skb_prog_id == prog_id)
			st->mode = "generic";
		else if (q.hw_prog_id == prog_id)
			st->mode = "offload";
		else
			continue;
		snprintf(st->name, sizeof(st->name), "%s", i->if_name);
		s->nifaces++;
	}
	if_freenameindex(ifs);
	return 0;
}
