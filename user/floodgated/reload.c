// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The config: loading it, checking it (--check), applying it at start and
 * on SIGHUP. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "daemon_priv.h"
#include "http.h"
#include "log.h"
#include "pinlock.h"
#include "ruleset.h"
#include "secretfile.h"

static double now_unix(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int daemon_load_settings(const struct fg_daemon_opts *o, struct fg_settings *s,
			 char *err, size_t errlen)
{
	int rc;

	if (o->config_path) {
		/* Checked on the descriptor it is read through: who owns it
		 * and its directories, who may write them. */
		rc = fg_config_load_file(o->config_path, s, err, errlen);
		if (rc)
			return rc;
	} else {
		fg_config_defaults(s);
	}
	if (o->nifaces) {
		s->nifaces = o->nifaces;
		for (unsigned int i = 0; i < o->nifaces; i++)
			snprintf(s->ifaces[i], sizeof(s->ifaces[i]), "%s",
				 o->ifaces[i]);
	}
	if (o->xdp_mode_set)
		s->xdp_mode = o->xdp_mode;
	if (!s->nifaces) {
		snprintf(err, errlen,
			 "%s: interfaces: none given; set interfaces: in the "
			 "config or pass -i IFACE",
			 o->config_path ? o->config_path : "built-in config");
		fg_config_free(s);
		return -EINVAL;
	}
	/* Read with the config, so a bad one fails the start or the reload
	 * (keeping the running listener) and --check reports it. */
	if (s->metrics_web_config[0]) {
		rc = fg_web_config_load_file(s->metrics_web_config, &s->web,
					     err, errlen);
		if (!rc)
			rc = fg_http_tls_check(s->web, err, errlen);
		if (rc) {
			fg_config_free(s);
			return rc;
		}
	}
	return 0;
}

const char *daemon_config_name(const struct fg_daemon_opts *o)
{
	return o->config_path ? o->config_path : "built-in";
}

/* What --check can know of the fleet without connecting: the password
 * file is there, private and not empty. */
static int check_fleet(const struct fg_settings *s, char *err, size_t errlen)
{
	char pass[FG_SECRET_MAX], why[FG_ERR_MAX - 32];
	int rc;

	if (!s->fleet.redis[0] || !s->fleet.password_file[0])
		return 0;
	rc = fg_secret_read(s->fleet.password_file, pass, sizeof(pass), why,
			    sizeof(why));
	explicit_bzero(pass, sizeof(pass));
	if (rc)
		snprintf(err, errlen, "fleet.password_file: %s", why);
	return rc;
}

int fg_daemon_check(const struct fg_daemon_opts *o)
{
	struct fg_compiled compiled;
	struct fg_settings s;
	char err[FG_ERR_MAX];
	int rc;

	rc = fg_compiled_init(&compiled);
	if (rc) {
		fprintf(stderr, "floodgated: out of memory\n");
		return rc;
	}
	rc = daemon_load_settings(o, &s, err, sizeof(err));
	if (!rc) {
		rc = fg_compile(&s, fg_clock_tick_ns(), NULL, &compiled, err,
				sizeof(err));
		if (!rc)
			rc = check_fleet(&s, err, sizeof(err));
		if (!rc)
			printf("%s: ok: %u interfaces, %u rules, %zu allow "
			       "and %zu deny entries\n",
			       daemon_config_name(o), s.nifaces, s.nrules,
			       s.nallow, s.ndeny);
		fg_config_free(&s);
	}
	if (rc)
		fprintf(stderr, "%s\n", err);
	fg_compiled_free(&compiled);
	return rc;
}

/* Takes the lists' lock and plans their sync: nothing is written yet. */
static int plan_lists(struct fg_daemon *d, const struct fg_settings *s,
		      int *lock, struct fg_list_sync **sync, char *err,
		      size_t errlen)
{
	struct fg_lists_room room;
	int rc;

	*lock = fg_pin_lock(d->opts.pin_dir, FG_PIN_LOCK_WAIT_MS);
	if (*lock < 0) {
		snprintf(err, errlen,
			 "lists: another writer holds the lock on %s (%d s): "
			 "%s",
			 d->opts.pin_dir, FG_PIN_LOCK_WAIT_MS / 1000,
			 strerror(-*lock));
		return *lock;
	}
	rc = fg_list_sync_plan(
	    &d->loader.maps,
	    &(struct fg_list_want){.allow = s->allow,
				   .nallow = s->nallow,
				   .deny = s->deny,
				   .ndeny = s->ndeny,
				   .classes = s->class_entries,
				   .nclasses = s->nclass_entries},
	    sync, &room);
	if (rc == -ENOSPC)
		snprintf(err, errlen,
			 "%s: lists: %zu entries from the config and %zu "
			 "added with floodgate allow|deny do not fit the "
			 "table's %zu; remove some (floodgate allow|deny del) "
			 "or shorten the config's lists",
			 daemon_config_name(&d->opts), room.config, room.cli,
			 room.capacity);
	else if (rc)
		snprintf(err, errlen, "reading the lists: %s", strerror(-rc));
	return rc;
}

/* A rule's mode set from the CLI stands until the config's own mode of
 * that rule changes, as the global mode does. */
static void drop_rule_modes(struct fg_daemon *d, const struct fg_settings *s,
			    const struct fg_settings *old)
{
	for (unsigned int i = 0; i < s->nrules; i++)
		for (unsigned int j = 0; j < old->nrules; j++) {
			__u32 id = fg_rule_id(s->rules[i].name);

			if (strcmp(s->rules[i].name, old->rules[j].name) ||
			    s->rules[i].dry_run == old->rules[j].dry_run)
				continue;
			if (!bpf_map_delete_elem(d->loader.maps.rule_modes,
						 &id))
				log_info("rule mode changed",
					 "rule=%s mode=%s "
					 "source=config",
					 s->rules[i].name,
					 fg_mode_name(s->rules[i].dry_run));
		}
}

/* The files this config reads, watched from now on (the set may have
 * changed with the reload). */
static void watch_files(struct fg_daemon *d, const struct fg_settings *s)
{
	const char *paths[3 * FG_MAX_LIST_FILES];
	size_t n = 0;

	if (!d->watch)
		return;
	for (unsigned int i = 0; i < s->allow_files.n; i++)
		paths[n++] = s->allow_files.path[i];
	for (unsigned int i = 0; i < s->deny_files.n; i++)
		paths[n++] = s->deny_files.path[i];
	for (unsigned int i = 0; i < s->class_files.n; i++)
		paths[n++] = s->class_files.path[i];
	fg_watch_set(d->watch, paths, n);
}

/*
 * Nothing changed when this fails: the config is written to the idle
 * slot and the lists synced (undone if a write fails) before the slot
 * goes live, and a new metrics listener serves beside the old one before
 * either.
 */
int daemon_apply(struct fg_daemon *d, const struct fg_settings *s,
		 const struct fg_settings *old, char *err, size_t errlen)
{
	struct fg_list_sync *sync = NULL;
	struct fg_http *http = NULL;
	struct fg_meta *prev = malloc(sizeof(*prev));
	int rc, lock = -1;

	/* The running config's slots, pinned: its rules keep theirs (and
	 * their counters) across reloads and restarts. */
	rc = prev ? fg_maps_read_meta(&d->loader.maps, prev) : -ENOMEM;
	if (rc)
		snprintf(err, errlen, "reading the running config: %s",
			 strerror(-rc));
	else
		rc = fg_compile(s, fg_clock_tick_ns(), prev, &d->compiled, err,
				errlen);
	free(prev);
	if (!rc && old)
		drop_rule_modes(d, s, old);
	/* An attach outcome, not config: carried over to the new slot. */
	d->compiled.meta.multiprog_state = d->multiprog_state;
	if (!rc)
		rc = daemon_prepare_http(d, s->metrics_listen, s->web, &http,
					 err, errlen);
	if (!rc)
		rc = plan_lists(d, s, &lock, &sync, err, errlen);
	if (!rc) {
		rc = fg_publish_stage(&d->loader.maps, &d->compiled);
		if (rc)
			snprintf(err, errlen, "writing config maps: %s",
				 strerror(-rc));
	}
	if (!rc) {
		d->list_changes = fg_list_sync_count(sync);
		rc = fg_list_sync_run(&d->loader.maps, sync);
		if (rc)
			snprintf(err, errlen,
				 "writing the lists: %s; the previous lists "
				 "are restored",
				 strerror(-rc));
	}
	if (!rc) {
		int werr = fg_maps_commit_config(&d->loader.maps);

		if (werr)
			log_warn("new rules' counters may start above 0: "
				 "taking their baselines failed",
				 "error=%s", fg_q(strerror(-werr)));
	}
	fg_pin_unlock(lock);
	fg_list_sync_free(sync);
	if (rc) {
		fg_http_stop(http);
		return rc;
	}

	/* A mode the operator set from the CLI stands until the config's
	 * own mode changes; that ends a timed one too. */
	if (old && s->dry_run != old->dry_run) {
		daemon_set_switch(d, FG_SWITCH_DRY_RUN, s->dry_run);
		log_info("mode changed", "mode=%s source=config",
			 s->dry_run ? "dry-run" : "enforce");
	}
	if (old && s->max_sources != old->max_sources)
		log_warn("table.max_sources changes on restart only",
			 "configured=%u running=%ld", s->max_sources,
			 fg_sources_capacity(&d->loader.maps));

	daemon_detach_unlisted(d, s);
	daemon_attach_all(d, s);

	pthread_mutex_lock(&d->lock);
	d->top_sources = s->top_sources;
	d->last_reload_success = now_unix();
	d->last_reload_ok = true;
	pthread_mutex_unlock(&d->lock);

	daemon_update_http(d, s->metrics_listen, s->web, http);
	fg_fleet_configure(d->fleet, s, d->compiled.match->rule_slot);
	watch_files(d, s);
	return 0;
}

void fg_daemon_reload(struct fg_daemon *d)
{
	daemon_reload(d, "signal", NULL);
}

void daemon_reload(struct fg_daemon *d, const char *reason, const char *path)
{
	struct fg_settings next;
	char err[FG_ERR_MAX];
	int rc;

	if (path)
		log_info("reloading", "config=%s reason=%s path=%s",
			 fg_q(daemon_config_name(&d->opts)), reason,
			 fg_q(path));
	else
		log_info("reloading", "config=%s reason=%s",
			 fg_q(daemon_config_name(&d->opts)), reason);
	rc = daemon_load_settings(&d->opts, &next, err, sizeof(err));
	if (!rc) {
		rc = daemon_apply(d, &next, &d->cfg, err, sizeof(err));
		if (rc)
			fg_config_free(&next);
	}
	if (rc) {
		pthread_mutex_lock(&d->lock);
		d->reloads_failure++;
		d->last_reload_ok = false;
		pthread_mutex_unlock(&d->lock);
		__atomic_add_fetch(&d->loader.maps.ctl_mem->reloads_failure, 1,
				   __ATOMIC_RELEASE);
		log_error("reload failed; keeping the running config",
			  "error=%s", fg_q(err));
		return;
	}
	daemon_log_reload(&d->cfg, &next, d->list_changes);
	fg_config_free(&d->cfg);
	d->cfg = next;
	pthread_mutex_lock(&d->lock);
	d->reloads_success++;
	pthread_mutex_unlock(&d->lock);
	__atomic_add_fetch(&d->loader.maps.ctl_mem->reloads_success, 1,
			   __ATOMIC_RELEASE);
}
