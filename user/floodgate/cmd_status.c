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
#include "snapshot.h"

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

static void print_json(const struct fg_snapshot *s, int pid)
{
	json_object *o = json_object_new_object(), *ifs, *cnt, *rules, *src;

	json_object_object_add(o, "enabled",
			       json_object_new_boolean(s->enabled));
	json_object_object_add(
	    o, "mode",
	    json_object_new_string(s->dry_run ? "dry-run" : "enforce"));
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
		json_object *ro = json_object_new_object();

		json_object_object_add(
		    ro, "name", json_object_new_string(s->meta.rule_names[r]));
		for (unsigned int a = 0; a < FG_ACTION_COUNT; a++)
			json_object_object_add(
			    ro, fg_action_label(a),
			    counter_json(
				&s->rule_stats[r * FG_ACTION_COUNT + a]));
		json_object_array_add(rules, ro);
	}
	json_object_object_add(o, "rules", rules);
	cli_json_print(o);
}

static void print_text(const struct fg_snapshot *s, int pid)
{
	printf("floodgate: %s, mode %s\n",
	       s->enabled ? "enabled"
			  : "DISABLED (kill-switch: all traffic "
			    "passes)",
	       s->dry_run ? "dry-run" : "enforce");
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
	printf("\n%-24s %14s %14s\n", "RULE", "PASSED", "DROPPED");
	for (unsigned int r = 0; r <= s->meta.nrules && r < FG_RULE_SLOTS;
	     r++) {
		const struct fg_counter *k =
		    &s->rule_stats[(size_t)r * FG_ACTION_COUNT];

		printf("%-24s %14llu %14llu\n", s->meta.rule_names[r],
		       (unsigned long long)k[FG_ACTION_PASS].packets,
		       (unsigned long long)k[FG_ACTION_DROP].packets);
	}
}

int cmd_status(struct cli *c, const struct fg_cmdline *a)
{
	struct fg_snapshot *s;
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
	if (c->json)
		print_json(s, pid);
	else
		print_text(s, pid);
	free(s);
	return 0;
}
