// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The kill-switch, the mode, reload, detach and version. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pinlock.h"
#include "timedswitch.h"
#include "xdp.h"

#define RELOAD_WAIT_MS 10000

static int report(struct cli *c, const char *key, json_object *val,
		  const char *text)
{
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, key, val);
		cli_json_print(o);
	} else {
		json_object_put(val);
		printf("%s\n", text);
	}
	return 0;
}

/* A timed setting: the JSON fields and the sentence that say when it
 * reverts, and what happens if no daemon runs to revert it. */
struct timed_note {
	char text[256];
	double seconds;
};

static void timed_note(struct cli *c, __u32 deadline, __u64 now_ns,
		       const char *back, struct timed_note *n)
{
	char left[32], clock[32] = "";
	struct tm tm;
	time_t at;

	n->seconds = (double)deadline - (double)now_ns / 1e9;
	fg_format_left(n->seconds, left, sizeof(left));
	at = time(NULL) + (time_t)(n->seconds + 0.5);
	if (localtime_r(&at, &tm))
		strftime(clock, sizeof(clock), " (%H:%M:%S)", &tm);
	snprintf(n->text, sizeof(n->text), "%s in %s%s%s", back, left, clock,
		 cli_daemon_pid(c) ? ""
				   : "; floodgated is not running: it reverts "
				     "when the daemon starts");
}

static int report_switch(struct cli *c, const char *key, json_object *val,
			 const char *text, __u32 deadline, __u64 now_ns,
			 const char *back)
{
	struct timed_note n;

	if (!deadline)
		return report(c, key, val, text);
	timed_note(c, deadline, now_ns, back, &n);
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, key, val);
		json_object_object_add(o, "revert_in_seconds",
				       json_object_new_double(n.seconds));
		cli_json_print(o);
	} else {
		json_object_put(val);
		printf("%s; %s\n", text, n.text);
	}
	return 0;
}

static int set_enabled(struct cli *c, __u32 on, __u64 for_ns)
{
	__u64 now = fg_boottime_ns();
	__u32 deadline = for_ns ? fg_switch_deadline(now, for_ns) : 0;
	int rc;

	rc = cli_open(c);
	if (rc)
		return rc;
	fg_switch_set(c->maps.ctl_mem, FG_SWITCH_ENABLED, on, deadline);
	return report_switch(c, "enabled", json_object_new_boolean(on),
			     on ? "floodgate enabled: limits apply"
				: "floodgate disabled: all traffic passes "
				  "unfiltered (floodgate enable to undo)",
			     deadline, now, "re-enables by itself");
}

int cmd_enable(struct cli *c, const struct fg_cmdline *a)
{
	(void)a;
	return set_enabled(c, 1, 0);
}

int cmd_disable(struct cli *c, const struct fg_cmdline *a)
{
	return set_enabled(c, 0, a->for_ns);
}

/* One rule's mode: kept in fg_rule_modes (by rule id, so it follows
 * the rule across reloads; none where it equals the config's) and
 * written into the live config slot under the pin lock, which the
 * daemon holds while it stages a config. */
static int set_rule_mode(struct cli *c, const char *name, bool dry)
{
	struct fg_meta *meta = calloc(1, sizeof(*meta));
	struct fg_config *cfg = calloc(1, sizeof(*cfg));
	__u32 live, mode = dry ? FG_RULE_MODE_DRY_RUN : FG_RULE_MODE_ENFORCE;
	int slot = -1, lock = -1, rc;
	char text[160];

	rc = !meta || !cfg ? -ENOMEM : cli_open(c);
	if (rc)
		goto out;
	lock = fg_pin_lock(c->pin_dir, FG_PIN_LOCK_WAIT_MS);
	if (lock < 0) {
		rc = cli_err(c, 1, "another writer holds the lock on %s: %s",
			     c->pin_dir, strerror(-lock));
		goto out;
	}
	live = __atomic_load_n(&c->maps.ctl_mem->cfg_slot, __ATOMIC_ACQUIRE);
	if (bpf_map_lookup_elem(c->maps.meta, &live, meta) ||
	    bpf_map_lookup_elem(c->maps.cfg, &live, cfg)) {
		rc = cli_err(c, 1, "reading the config maps: %s",
			     strerror(errno));
		goto out;
	}
	for (unsigned int r = 0; r <= meta->nrules && r < FG_RULE_SLOTS; r++)
		if (fg_meta_slot_used(meta, r) &&
		    !strncmp(meta->rule_names[r], name, FG_RULE_NAME_LEN))
			slot = (int)r;
	if (slot < 0) {
		rc = cli_err(c, 1,
			     "mode --rule: no rule named \"%s\" in the running "
			     "config (floodgate status lists them)",
			     name);
		goto out;
	}
	if (meta->rule_config_dry_run[slot] == dry)
		rc = bpf_map_delete_elem(c->maps.rule_modes,
					 &cfg->rules[slot].id) &&
		     errno != ENOENT;
	else
		rc = bpf_map_update_elem(c->maps.rule_modes,
					 &cfg->rules[slot].id, &mode, BPF_ANY);
	cfg->rules[slot].dry_run = dry;
	if (rc || bpf_map_update_elem(c->maps.cfg, &live, cfg, BPF_ANY)) {
		rc = cli_err(c, 1, "writing the rule's mode: %s",
			     strerror(errno));
		goto out;
	}
	fg_maps_verdicts_changed(&c->maps);
	snprintf(text, sizeof(text), "rule %s: mode %s%s", name,
		 fg_mode_name(dry),
		 dry ? ": its over-limit packets pass and are counted as "
		       "dry_run; other rules enforce"
		     : "");
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "rule", json_object_new_string(name));
		json_object_object_add(
		    o, "mode", json_object_new_string(fg_mode_name(dry)));
		cli_json_print(o);
	} else {
		printf("%s\n", text);
	}
	rc = 0;
out:
	fg_pin_unlock(lock);
	free(meta);
	free(cfg);
	return rc;
}

int cmd_mode(struct cli *c, const struct fg_cmdline *a)
{
	__u64 now = fg_boottime_ns();
	__u32 dry = a->dry_run;
	__u32 deadline = a->for_ns ? fg_switch_deadline(now, a->for_ns) : 0;
	int rc;

	if (a->rule)
		return set_rule_mode(c, a->rule, dry);
	rc = cli_open(c);
	if (rc)
		return rc;
	fg_switch_set(c->maps.ctl_mem, FG_SWITCH_DRY_RUN, dry, deadline);
	return report_switch(
	    c, "mode", json_object_new_string(dry ? "dry-run" : "enforce"),
	    dry ? "mode dry-run: over-limit packets pass and are counted as "
		  "dry_run"
		: "mode enforce: over-limit packets are dropped",
	    deadline, now, "back to enforce by itself");
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int cmd_reload(struct cli *c, const struct fg_cmdline *a)
{
	struct fg_ctl *ctl;
	__u32 ok, failed;
	int rc, pid;

	(void)a;
	rc = cli_open(c);
	if (rc)
		return rc;
	pid = cli_daemon_pid(c);
	if (!pid)
		return cli_err(c, 1,
			       "floodgated is not running: nothing to reload "
			       "(the pinned datapath keeps its last config)");
	ctl = c->maps.ctl_mem;
	ok = __atomic_load_n(&ctl->reloads_success, __ATOMIC_ACQUIRE);
	failed = __atomic_load_n(&ctl->reloads_failure, __ATOMIC_ACQUIRE);
	if (kill(pid, SIGHUP))
		return cli_err(c, 1, "signalling floodgated (pid %d): %s", pid,
			       strerror(errno));
	for (int waited = 0; waited < RELOAD_WAIT_MS; waited += 50) {
		if (__atomic_load_n(&ctl->reloads_success, __ATOMIC_ACQUIRE) !=
		    ok)
			return report(c, "reloaded", json_object_new_boolean(1),
				      "config reloaded");
		if (__atomic_load_n(&ctl->reloads_failure, __ATOMIC_ACQUIRE) !=
		    failed)
			return cli_err(c, 1,
				       "reload failed: the config was "
				       "rejected and the old one keeps "
				       "running; the daemon's log says why "
				       "(or run floodgated --check -c FILE)");
		sleep_ms(50);
	}
	return cli_err(c, 1,
		       "floodgated (pid %d) did not answer the reload "
		       "within %d s",
		       pid, RELOAD_WAIT_MS / 1000);
}

int cmd_detach(struct cli *c, const struct fg_cmdline *a)
{
	struct if_nameindex *ifs, *i;
	int rc, pid, n = 0;

	(void)a;
	rc = cli_open(c);
	if (rc)
		return rc;
	pid = cli_daemon_pid(c);
	if (pid)
		return cli_err(c, 1,
			       "floodgated (pid %d) is running: stop it "
			       "first (it leaves the datapath pinned), then "
			       "floodgate detach",
			       pid);
	ifs = if_nameindex();
	for (i = ifs; i && i->if_index; i++) {
		if (!fg_xdp_detach(c->pin_dir, i->if_name)) {
			if (!c->json)
				printf("detached from %s\n", i->if_name);
			n++;
		}
	}
	if (ifs)
		if_freenameindex(ifs);
	fg_maps_close(&c->maps);
	c->maps_open = false;
	rc = fg_pins_remove(c->pin_dir);
	if (rc)
		return cli_err(c, 1, "removing %s: %s", c->pin_dir,
			       strerror(-rc));
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "detached_interfaces",
				       json_object_new_int(n));
		cli_json_print(o);
	} else {
		printf("removed the pins in %s\n", c->pin_dir);
	}
	return 0;
}

int cmd_version(struct cli *c, const struct fg_cmdline *a)
{
	(void)a;
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "version",
				       json_object_new_string(FG_VERSION));
		json_object_object_add(
		    o, "libbpf",
		    json_object_new_string(libbpf_version_string()));
		cli_json_print(o);
	} else {
		printf("floodgate %s (libbpf %s)\n", FG_VERSION,
		       libbpf_version_string());
	}
	return 0;
}
