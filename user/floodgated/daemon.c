// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The daemon's life: start, tick, stop; its jobs live in reload.c,
 * attach.c and metrics.c. */
#include "daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boxexpiry.h"
#include "daemon_priv.h"
#include "http.h"
#include "log.h"
#include "pindir.h"
#include "timedswitch.h"

void daemon_set_ctl(struct fg_daemon *d, __u32 enabled, __u32 dry_run)
{
	struct fg_ctl *ctl = d->loader.maps.ctl_mem;

	__atomic_store_n(&ctl->enabled, enabled, __ATOMIC_RELEASE);
	__atomic_store_n(&ctl->dry_run, dry_run, __ATOMIC_RELEASE);
	d->seen_enabled = enabled;
	d->seen_dry_run = dry_run;
}

void daemon_set_switch(struct fg_daemon *d, enum fg_switch sw, __u32 value)
{
	fg_switch_set(d->loader.maps.ctl_mem, sw, value, 0);
	if (sw == FG_SWITCH_ENABLED)
		d->seen_enabled = value;
	else
		d->seen_dry_run = value;
}

/* `disable --for`, `mode dry-run --for`: their time is up. */
static void revert_timed(struct fg_daemon *d)
{
	struct fg_ctl *ctl = d->loader.maps.ctl_mem;
	__u64 now = fg_boottime_ns();
	__u32 late;

	if (fg_switch_revert_due(ctl, FG_SWITCH_ENABLED, now, &late)) {
		d->seen_enabled = fg_switch_safe_value(FG_SWITCH_ENABLED);
		log_info("kill-switch reverted",
			 "enabled=1 source=timer overdue_s=%u", late);
	}
	if (fg_switch_revert_due(ctl, FG_SWITCH_DRY_RUN, now, &late)) {
		d->seen_dry_run = fg_switch_safe_value(FG_SWITCH_DRY_RUN);
		log_info("mode reverted",
			 "mode=enforce source=timer overdue_s=%u", late);
	}
}

/* The pid of a live floodgated already using pin_dir, or 0. */
static int other_daemon(const char *pin_dir)
{
	struct fg_maps m;
	int pid;

	if (fg_maps_open_pinned(pin_dir, &m))
		return 0;
	pid = fg_daemon_pid(&m);
	fg_maps_close(&m);
	return pid == getpid() ? 0 : pid;
}

struct fg_daemon *fg_daemon_start(const struct fg_daemon_opts *o)
{
	struct fg_daemon *d = calloc(1, sizeof(*d));
	char err[FG_ERR_MAX];
	int rc;

	if (!d || fg_compiled_init(&d->compiled)) {
		log_error("out of memory", "%s", "");
		free(d);
		return NULL;
	}
	d->opts = *o;
	pthread_mutex_init(&d->lock, NULL);
	if (daemon_load_settings(o, &d->cfg, err, sizeof(err))) {
		log_error("config rejected", "error=%s", fg_q(err));
		goto fail;
	}
	/* Before anything is read from the pins. */
	if (fg_pin_dir_prepare(o->pin_dir, err, sizeof(err))) {
		log_error("pin directory refused", "error=%s", fg_q(err));
		goto fail_cfg;
	}
	rc = other_daemon(o->pin_dir);
	if (rc) {
		log_error(
		    "another floodgated runs on these pins; stop it first",
		    "pid=%d dir=%s", rc, fg_q(o->pin_dir));
		goto fail_cfg;
	}
	rc = fg_loader_open(&d->loader, o->pin_dir, d->cfg.max_sources);
	if (rc) {
		log_error("loading the XDP program failed", "error=%s dir=%s",
			  fg_q(strerror(-rc)), fg_q(o->pin_dir));
		goto fail_cfg;
	}

	if (d->loader.adopted) {
		struct fg_ctl *ctl = d->loader.maps.ctl_mem;

		d->seen_enabled = ctl->enabled;
		d->seen_dry_run = ctl->dry_run;
		log_info("adopted pinned state", "dir=%s enabled=%u mode=%s",
			 fg_q(o->pin_dir), d->seen_enabled,
			 d->seen_dry_run ? "dry-run" : "enforce");
		/* A deadline that passed while no daemon ran: now. */
		revert_timed(d);
	} else {
		daemon_set_ctl(d, d->cfg.enabled, d->cfg.dry_run);
	}
	daemon_adopt_chain(d);
	if (o->env_enabled >= 0 && (__u32)o->env_enabled != d->seen_enabled) {
		daemon_set_switch(d, FG_SWITCH_ENABLED, (__u32)o->env_enabled);
		log_info("kill-switch set", "enabled=%d source=environment",
			 o->env_enabled);
	}

	d->fleet = fg_fleet_start(&d->loader.maps);
	if (!d->fleet) {
		log_error("starting the fleet job failed", "error=%s",
			  fg_q(strerror(errno ? errno : ENOMEM)));
		goto fail_loader;
	}
	d->watch = fg_watch_open();
	if (!d->watch)
		log_warn("cannot watch list files; their changes need a SIGHUP",
			 "error=%s", fg_q(strerror(errno)));
	if (daemon_apply(d, &d->cfg, NULL, err, sizeof(err))) {
		log_error("config rejected", "error=%s", fg_q(err));
		goto fail_loader;
	}
	/* After the config is live: it names the rules it samples. */
	d->sampler = fg_sampler_start(&d->loader.maps);
	if (!d->sampler) {
		log_error("starting the advise sampler failed", "error=%s",
			  fg_q(strerror(errno ? errno : ENOMEM)));
		goto fail_loader;
	}
	d->links = fg_links_open(daemon_on_link, d);
	__atomic_store_n(&d->loader.maps.ctl_mem->daemon_pid, (__u32)getpid(),
			 __ATOMIC_RELEASE);
	log_info("started", "config=%s rules=%u enabled=%u mode=%s pid=%d",
		 fg_q(daemon_config_name(o)), d->cfg.nrules, d->seen_enabled,
		 d->seen_dry_run ? "dry-run" : "enforce", (int)getpid());
	return d;

fail_loader:
	fg_watch_close(d->watch);
	fg_fleet_stop(d->fleet);
	fg_loader_close(&d->loader);
fail_cfg:
	fg_config_free(&d->cfg);
fail:
	pthread_mutex_destroy(&d->lock);
	fg_compiled_free(&d->compiled);
	free(d);
	return NULL;
}

static void expire_blocked(struct fg_daemon *d)
{
	long live = 0;
	long gone = fg_box_expire(&d->loader.maps, fg_monotonic_ns(), &live);

	if (gone > 0)
		log_info("penalty box expired", "entries=%ld still_blocked=%ld",
			 gone, live);
}

void fg_daemon_tick(struct fg_daemon *d)
{
	struct fg_ctl *ctl = d->loader.maps.ctl_mem;
	__u32 enabled = __atomic_load_n(&ctl->enabled, __ATOMIC_ACQUIRE);
	__u32 dry_run = __atomic_load_n(&ctl->dry_run, __ATOMIC_ACQUIRE);

	if (enabled != d->seen_enabled)
		log_info("kill-switch changed", "enabled=%u source=cli",
			 enabled);
	if (dry_run != d->seen_dry_run)
		log_info("mode changed", "mode=%s source=cli",
			 dry_run ? "dry-run" : "enforce");
	d->seen_enabled = enabled;
	d->seen_dry_run = dry_run;
	revert_timed(d);
	expire_blocked(d);
	daemon_log_box_entries(d, fg_monotonic_ns());
	daemon_retry_http(d);
}

int fg_daemon_watch_fd(const struct fg_daemon *d)
{
	return fg_watch_fd(d->watch);
}

int fg_daemon_wait_ms(const struct fg_daemon *d, int max_ms)
{
	int ms = fg_watch_wait_ms(d->watch, fg_monotonic_ns());

	return ms >= 0 && ms < max_ms ? ms : max_ms;
}

void fg_daemon_on_watch(struct fg_daemon *d)
{
	char path[256];

	if (!d->watch)
		return;
	fg_watch_process(d->watch, fg_monotonic_ns());
	if (fg_watch_due(d->watch, fg_monotonic_ns(), path, sizeof(path)))
		daemon_reload(d, "file-changed", path);
}

int fg_daemon_poll_fd(const struct fg_daemon *d)
{
	return d->links ? fg_links_fd(d->links) : -1;
}

void fg_daemon_on_input(struct fg_daemon *d)
{
	if (d->links)
		fg_links_process(d->links);
}

void fg_daemon_stop(struct fg_daemon *d)
{
	fg_links_close(d->links);
	fg_watch_close(d->watch);
	fg_http_stop(d->http);
	fg_sampler_stop(d->sampler);
	fg_fleet_stop(d->fleet);
	__atomic_store_n(&d->loader.maps.ctl_mem->daemon_pid, 0,
			 __ATOMIC_RELEASE);
	if (d->cfg.detach_on_exit) {
		daemon_detach_unlisted(d, NULL);
		fg_loader_close(&d->loader);
		fg_pins_remove(d->opts.pin_dir);
		log_info("stopped; detached and unpinned", "%s", "");
	} else {
		fg_loader_close(&d->loader);
		log_info("stopped; the datapath stays attached", "dir=%s",
			 fg_q(d->opts.pin_dir));
	}
	fg_config_free(&d->cfg);
	pthread_mutex_destroy(&d->lock);
	fg_compiled_free(&d->compiled);
	free(d);
}
