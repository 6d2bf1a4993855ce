// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate status: the kill-switch, mode, interfaces, table fill and
 * counters. */
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "snapshot.h"
#include "timedswitch.h"

/* Where the running state differs from the config file: the kill-switch
 * and mode set from the CLI (and whether on a timer), and the list
 * entries added with the CLI. */
struct vs_config {
	double enabled_left, mode_left; /* seconds; < 0: not timed */
	bool enabled_differs, mode_differs;
	long cli_allow, cli_deny;
};

static int count_cli_entry(const struct fg_cidr *cidr, __u32 value, void *arg)
{
	struct vs_config *v = arg;

	(void)cidr;
	if (!(value & FG_LIST_FROM_CLI))
		return 0;
	if ((value & FG_LIST_ACTION_MASK) == FG_LIST_ALLOW)
		v->cli_allow++;
	else
		v->cli_deny++;
	return 0;
}

static void read_vs_config(struct cli *c, const struct fg_snapshot *s,
			   struct vs_config *v)
{
	__u64 now = fg_boottime_ns();

	memset(v, 0, sizeof(*v));
	v->enabled_left =
	    fg_switch_left(c->maps.ctl_mem, FG_SWITCH_ENABLED, now);
	v->mode_left = fg_switch_left(c->maps.ctl_mem, FG_SWITCH_DRY_RUN, now);
	v->enabled_differs = s->enabled != !!s->meta.config_enabled;
	v->mode_differs = s->dry_run != !!s->meta.config_dry_run;
	fg_list_walk(&c->maps, count_cli_entry, v);
}

static __u32 pinned_prog_id(struct cli *c)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, FG_PIN_PROG);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

static json_object *counter_json(const struct fg_counter *k)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "packets",
			       json_object_new_uint64(k->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(k->bytes));
	return o;
}

static const char *fleet_state_name(const struct fg_snapshot *s, int pid)
{
	if (!pid)
		return "unknown"; /* no daemon: nobody syncs */
	switch (s->fleet_state) {
	case FG_FLEET_UP:
		return "connected";
	case FG_FLEET_DOWN:
		return "disconnected";
	default:
		return "off";
	}
}

static json_object *fleet_json(const struct fg_snapshot *s, int pid)
{
	json_object *f = json_object_new_object();

	json_object_object_add(
	    f, "state", json_object_new_string(fleet_state_name(s, pid)));
	json_object_object_add(
	    f, "last_sync_age_seconds",
	    s->fleet_sync_age_ms < 0
		? NULL
		: json_object_new_double((double)s->fleet_sync_age_ms / 1000));
	json_object_object_add(f, "hosts",
			       json_object_new_int64(s->fleet_hosts));
	json_object_object_add(f, "blocked",
			       json_object_new_int64(s->fleet_blocked));
	return f;
}

static void print_fleet(const struct fg_snapshot *s, int pid)
{
	const char *state = fleet_state_name(s, pid);

	if (!strcmp(state, "off") && !s->fleet_blocked)
		return;
	printf("fleet:     %s", state);
	if (s->fleet_sync_age_ms >= 0)
		printf(", last sync %.1fs ago, %u hosts",
		       (double)s->fleet_sync_age_ms / 1000, s->fleet_hosts);
	printf("; %ld sources fleet-blocked\n", s->fleet_blocked);
}

static json_object *chain_json(const struct fg_snapshot *s)
{
	const struct fg_chain_state *ch = &s->chain;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "active",
			       json_object_new_boolean(ch->active));
	json_object_object_add(o, "prog_id",
			       ch->prog_id ? json_object_new_int64(ch->prog_id)
					   : NULL);
	json_object_object_add(
	    o, "prog_name",
	    ch->prog_name[0] ? json_object_new_string(ch->prog_name) : NULL);
	json_object_object_add(o, "handed", counter_json(&ch->handed));
	return o;
}

static void print_chain(const struct fg_snapshot *s)
{
	const struct fg_chain_state *ch = &s->chain;

	if (!ch->prog_id) {
		printf("chain:     empty slot (floodgate next set PROG_PIN); "
		       "%llu packets handed on before\n",
		       (unsigned long long)ch->handed.packets);
		return;
	}
	printf("chain:     prog id %u%s%s%s, %s; %llu packets handed on\n",
	       ch->prog_id, ch->prog_name[0] ? " (" : "", ch->prog_name,
	       ch->prog_name[0] ? ")" : "",
	       ch->active ? "on" : "off (floodgate next set to turn it on)",
	       (unsigned long long)ch->handed.packets);
}

static json_object *left_json(double left)
{
	return left < 0 ? NULL : json_object_new_double(left);
}

/* "config": what the file says; "differs_from_config": the names of
 * what runs otherwise ("enabled", "mode", "lists"). */
static void vs_config_json(json_object *o, const struct fg_snapshot *s,
			   const struct vs_config *v)
{
	json_object *cfg = json_object_new_object(), *diff, *cli;

	json_object_object_add(cfg, "enabled",
			       json_object_new_boolean(s->meta.config_enabled));
	json_object_object_add(cfg, "mode",
			       json_object_new_string(s->meta.config_dry_run
							  ? "dry-run"
							  : "enforce"));
	json_object_object_add(o, "config", cfg);
	cli = json_object_new_object();
	json_object_object_add(cli, "allow",
			       json_object_new_int64(v->cli_allow));
	json_object_object_add(cli, "deny", json_object_new_int64(v->cli_deny));
	json_object_object_add(o, "cli_list_entries", cli);
	diff = json_object_new_array();
	if (v->enabled_differs)
		json_object_array_add(diff, json_object_new_string("enabled"));
	if (v->mode_differs)
		json_object_array_add(diff, json_object_new_string("mode"));
	if (v->cli_allow || v->cli_deny)
		json_object_array_add(diff, json_object_new_string("lists"));
	json_object_object_add(o, "differs_from_config", diff);
}

static void print_json(const struct fg_snapshot *s, const struct vs_config *v,
		       int pid)
{
	json_object *o = json_object_new_object(), *ifs, *cnt, *rules, *src;

	json_object_object_add(o, "enabled",
			       json_object_new_boolean(s->enabled));
	json_object_object_add(o, "enabled_revert_in_seconds",
			       left_json(v->enabled_left));
	json_object_object_add(
	    o, "mode",
	    json_object_new_string(s->dry_run ? "dry-run" : "enforce"));
	json_object_object_add(o, "mode_revert_in_seconds",
			       left_json(v->mode_left));
	vs_config_json(o, s, v);
	json_object_object_add(o, "daemon_pid", json_object_new_int(pid));

	ifs = json_object_new_array();
	for (unsigned int i = 0; i < s->nifaces; i++) {
		json_object *f = json_object_new_object();

		json_object_object_add(
		    f, "name", json_object_new_string(s->ifaces[i].name));
		json_object_object_add(
		    f, "mode", json_object_new_string(s->ifaces[i].mode));
		json_object_array_add(ifs, f);
	}
	json_object_object_add(o, "interfaces", ifs);

	src = json_object_new_object();
	json_object_object_add(src, "tracked",
			       json_object_new_int64(s->tracked_sources));
	json_object_object_add(src, "capacity",
			       json_object_new_int64(s->capacity));
	json_object_object_add(src, "blocked",
			       json_object_new_int64(s->blocked_sources));
	for (unsigned int e = 0; e < FG_TABLE_EVENTS; e++) {
		const char *l = fg_table_event_label(e);

		if (l)
			json_object_object_add(
			    src, l, json_object_new_uint64(s->table_events[e]));
	}
	json_object_object_add(o, "sources", src);
	json_object_object_add(o, "fleet", fleet_json(s, pid));
	json_object_object_add(o, "chain", chain_json(s));
	json_object_object_add(o, "multiprog",
			       json_object_new_string(fg_multiprog_state_name(
				   s->meta.multiprog_state)));

	cnt = json_object_new_object();
	for (unsigned int a = 0; a < FG_ACTION_COUNT; a++) {
		json_object *by_reason = json_object_new_object();

		for (unsigned int r = 0; r < FG_REASON_COUNT; r++) {
			const struct fg_counter *k =
			    &s->stats[a * FG_REASON_SLOTS + r];

			if (fg_reason_has_action(r, a) || k->packets)
				json_object_object_add(by_reason,
						       fg_reason_label(r),
						       counter_json(k));
		}
		json_object_object_add(cnt, fg_action_label(a), by_reason);
	}
	json_object_object_add(o, "counters", cnt);

	rules = json_object_new_array();
	for (unsigned int r = 0; r <= s->meta.nrules && r < FG_RULE_SLOTS;
	     r++) {
		json_object *ro;

		if (!fg_meta_slot_used(&s->meta, r))
			continue;
		ro = json_object_new_object();
		json_object_object_add(
		    ro, "name", json_object_new_string(s->meta.rule_names[r]));
		/* Free slots are skipped: the index in rules is not the slot,
		 * which keys the per-rule maps. */
		json_object_object_add(ro, "slot", json_object_new_int64(r));
		for (unsigned int a = 0; a < FG_RULE_ACTIONS; a++)
			json_object_object_add(
			    ro, fg_rule_action_label(a),
			    counter_json(
				&s->rule_stats[r * FG_RULE_ACTIONS + a]));
		json_object_object_add(
		    ro, "mode",
		    json_object_new_string(fg_mode_name(s->cfg_dry_run[r])));
		json_object_array_add(rules, ro);
	}
	json_object_object_add(o, "rules", rules);
	cli_json_print(o);
}

static void print_timer(const char *what, double left, int pid)
{
	char buf[32];

	if (left < 0)
		return;
	fg_format_left(left, buf, sizeof(buf));
	if (left > 0)
		printf("timer:     %s in %s\n", what, buf);
	else if (pid)
		printf("timer:     %s now (due)\n", what);
	else
		printf("timer:     %s overdue: it reverts when floodgated "
		       "starts\n",
		       what);
}

static void print_vs_config(const struct fg_snapshot *s,
			    const struct vs_config *v)
{
	if (!v->enabled_differs && !v->mode_differs && !v->cli_allow &&
	    !v->cli_deny) {
		printf("config:    the running state matches the config file "
		       "(kill-switch, mode, lists)\n");
		return;
	}
	printf("config:    the running state differs from the config file:\n");
	if (v->enabled_differs)
		printf("           kill-switch %s (the config says enabled: "
		       "%s)\n",
		       s->enabled ? "on" : "off",
		       s->meta.config_enabled ? "true" : "false");
	if (v->mode_differs)
		printf("           mode %s (the config says mode: %s)\n",
		       s->dry_run ? "dry-run" : "enforce",
		       s->meta.config_dry_run ? "dry-run" : "enforce");
	if (v->cli_allow || v->cli_deny)
		printf("           %ld list entries added with the CLI (allow "
		       "%ld, deny %ld; floodgate allow|deny list)\n",
		       v->cli_allow + v->cli_deny, v->cli_allow, v->cli_deny);
}

static void print_text(const struct fg_snapshot *s, const struct vs_config *v,
		       int pid)
{
	printf("floodgate: %s, mode %s\n",
	       s->enabled ? "enabled"
			  : "DISABLED (kill-switch: all traffic "
			    "passes)",
	       s->dry_run ? "dry-run" : "enforce");
	print_timer("re-enables", v->enabled_left, pid);
	print_timer("back to enforce", v->mode_left, pid);
	print_vs_config(s, v);
	if (pid)
		printf("daemon:    floodgated running, pid %d\n", pid);
	else
		printf("daemon:    not running (the datapath keeps its last "
		       "config)\n");
	printf("interfaces:");
	for (unsigned int i = 0; i < s->nifaces; i++)
		printf(" %s (%s)", s->ifaces[i].name, s->ifaces[i].mode);
	printf("%s\n", s->nifaces ? "" : " none in this network namespace");
	printf("sources:   %ld tracked of %ld (%.1f%%)\n", s->tracked_sources,
	       s->capacity,
	       s->capacity
		   ? 100.0 * (double)s->tracked_sources / (double)s->capacity
		   : 0.0);
	printf(
	    "           %ld in the penalty box; admitted %llu (%llu without "
	    "burst, under pressure), refused %llu\n",
	    s->blocked_sources,
	    (unsigned long long)(s->table_events[FG_TABLE_INSERTED] +
				 s->table_events[FG_TABLE_INSERTED_NO_BURST]),
	    (unsigned long long)s->table_events[FG_TABLE_INSERTED_NO_BURST],
	    (unsigned long long)s->table_events[FG_TABLE_REFUSED]);
	print_fleet(s, pid);
	print_chain(s);
	if (s->meta.multiprog_state == FG_MULTIPROG_DISPATCHER)
		printf("multiprog: attached through libxdp's dispatcher\n");
	else if (s->meta.multiprog_state == FG_MULTIPROG_FALLBACK)
		printf("multiprog: libxdp's dispatcher refused; floodgate "
		       "attached alone (see the daemon's log)\n");
	printf("\n%-6s %-18s %14s %16s\n", "ACTION", "REASON", "PACKETS",
	       "BYTES");
	for (unsigned int a = 0; a < FG_ACTION_COUNT; a++) {
		for (unsigned int r = 0; r < FG_REASON_COUNT; r++) {
			const struct fg_counter *k =
			    &s->stats[a * FG_REASON_SLOTS + r];

			if (!k->packets)
				continue;
			printf("%-6s %-18s %14llu %16llu\n", fg_action_label(a),
			       fg_reason_label(r),
			       (unsigned long long)k->packets,
			       (unsigned long long)k->bytes);
		}
	}
	printf("\n%-24s %-8s %14s %14s %14s\n", "RULE", "MODE", "PASSED",
	       "DROPPED", "DRY_RUN");
	for (unsigned int r = 0; r <= s->meta.nrules && r < FG_RULE_SLOTS;
	     r++) {
		const struct fg_counter *k =
		    &s->rule_stats[(size_t)r * FG_RULE_ACTIONS];

		if (!fg_meta_slot_used(&s->meta, r))
			continue;
		printf("%-24s %-8s %14llu %14llu %14llu%s\n",
		       s->meta.rule_names[r], fg_mode_name(s->cfg_dry_run[r]),
		       (unsigned long long)k[FG_ACTION_PASS].packets,
		       (unsigned long long)k[FG_ACTION_DROP].packets,
		       (unsigned long long)k[FG_RULE_ACTION_DRY_RUN].packets,
		       s->cfg_dry_run[r] != s->meta.rule_config_dry_run[r]
			   ? "  (set from the CLI; the config says otherwise)"
			   : "");
	}
}

int cmd_status(struct cli *c, const struct fg_cmdline *a)
{
	struct fg_snapshot *s;
	struct vs_config v;
	int rc, pid;

	(void)a;
	rc = cli_open(c);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return cli_err(c, 1, "out of memory");
	rc = fg_snapshot_read(&c->maps, true, s);
	if (rc) {
		free(s);
		return cli_err(c, 1, "reading counters: %s", strerror(-rc));
	}
	fg_snapshot_find_ifaces(pinned_prog_id(c), s);
	pid = cli_daemon_pid(c);
	read_vs_config(c, s, &v);
	if (c->json)
		print_json(s, &v, pid);
	else
		print_text(s, &v, pid);
	free(s);
	return 0;
}
