// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "daemon.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fileperm.h"
#include "http.h"
#include "links.h"
#include "loader.h"
#include "log.h"
#include "pindir.h"
#include "pinlock.h"
#include "prom.h"
#include "ruleset.h"
#include "snapshot.h"
#include "top.h"
#include "xdp.h"

struct fg_daemon {
	struct fg_daemon_opts opts;
	struct fg_loader loader;
	struct fg_settings cfg;	     /* live */
	struct fg_port_rules *ports; /* scratch for compiling */
	struct fg_http *http;
	char http_listen[FG_LISTEN_MAX];
	__u64 http_failed_ns; /* when the listener last failed to start */
	struct fg_links *links;
	__u32 seen_enabled, seen_dry_run;

	/* Shared with the metrics thread. */
	pthread_mutex_t lock;
	unsigned long long reloads_success, reloads_failure;
	double last_reload_success;
	unsigned int top_sources;
	unsigned int nifaces;
	char ifaces[FG_MAX_IFACES][IF_NAMESIZE];
};

static double now_unix(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Whoever can write the config decides what is dropped and what passes:
 * only root or the daemon's own uid may, no group, no others. */
static int config_trusted(const char *path, char *err, size_t errlen)
{
	const char *why;
	struct stat st;

	if (stat(path, &st))
		return 0; /* the loader says what is wrong with it */
	why = fg_perm_problem(&st, true);
	if (!why)
		return 0;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		snprintf(err, errlen,
			 "%s %s (mode %04o): refusing it, whoever can write "
			 "it controls floodgate; fix: chmod go-w %s",
			 path, why, (unsigned int)(st.st_mode & 07777), path);
	else
		snprintf(err, errlen,
			 "%s %s (uid %u): refusing it, whoever can write it "
			 "controls floodgate; fix: chown root %s",
			 path, why, (unsigned int)st.st_uid, path);
	return -EPERM;
}

/* The config file (or the built-in default) with the command line's
 * overrides. */
static int load_settings(const struct fg_daemon_opts *o, struct fg_settings *s,
			 char *err, size_t errlen)
{
	int rc;

	if (o->config_path) {
		rc = config_trusted(o->config_path, err, errlen);
		if (rc)
			return rc;
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
	return 0;
}

static const char *config_name(const struct fg_daemon_opts *o)
{
	return o->config_path ? o->config_path : "built-in";
}

/* Compiles s into the ABI structs. */
static int compile(struct fg_daemon *d, const struct fg_settings *s,
		   struct fg_config *cfg, struct fg_meta *meta, char *err,
		   size_t errlen)
{
	int rc = fg_ruleset_compile(s, fg_clock_tick_ns(), cfg, d->ports, err,
				    errlen);

	if (rc)
		return rc;
	memset(meta, 0, sizeof(*meta));
	meta->nrules = s->nrules;
	meta->ipv4_prefix = s->ipv4_prefix;
	meta->ipv6_prefix = s->ipv6_prefix;
	snprintf(meta->rule_names[FG_RULE_DEFAULT], FG_RULE_NAME_LEN,
		 "default");
	for (unsigned int i = 0; i < s->nrules; i++)
		snprintf(meta->rule_names[i + 1], FG_RULE_NAME_LEN, "%s",
			 s->rules[i].name);
	return 0;
}

int fg_daemon_check(const struct fg_daemon_opts *o)
{
	struct fg_port_rules *ports = calloc(FG_PORTS, sizeof(*ports));
	struct fg_config *cfg = calloc(1, sizeof(*cfg));
	struct fg_settings s;
	char err[FG_ERR_MAX];
	int rc = -ENOMEM;

	if (!ports || !cfg) {
		fprintf(stderr, "floodgated: out of memory\n");
		goto out;
	}
	rc = load_settings(o, &s, err, sizeof(err));
	if (!rc) {
		rc = fg_ruleset_compile(&s, fg_clock_tick_ns(), cfg, ports, err,
					sizeof(err));
		if (!rc)
			printf("%s: ok: %u interfaces, %u rules, %zu allow "
			       "and %zu deny entries\n",
			       config_name(o), s.nifaces, s.nrules, s.nallow,
			       s.ndeny);
		fg_config_free(&s);
	}
	if (rc)
		fprintf(stderr, "%s\n", err);
out:
	free(ports);
	free(cfg);
	return rc;
}

static bool iface_listed(const struct fg_settings *s, const char *name)
{
	for (unsigned int i = 0; i < s->nifaces; i++)
		if (!strcmp(s->ifaces[i], name))
			return true;
	return false;
}

static void attach_one(struct fg_daemon *d, const char *name,
		       enum fg_xdp_mode mode, const char *why)
{
	const char *used = NULL;
	char err[256] = "";
	int rc = fg_xdp_attach(d->opts.pin_dir, name, d->loader.prog_fd, mode,
			       &used, err, sizeof(err));

	if (rc == -ENODEV)
		log_warn("interface not present; attaching when it appears",
			 "iface=%s", name);
	else if (rc)
		log_error("attach failed", "iface=%s error=%s", name,
			  fg_q(err));
	else
		log_info("attached", "iface=%s mode=%s reason=%s", name, used,
			 why);
}

static void attach_all(struct fg_daemon *d, const struct fg_settings *s)
{
	for (unsigned int i = 0; i < s->nifaces; i++)
		attach_one(d, s->ifaces[i], s->xdp_mode, "config");
}

/* A configured interface that appears, or is created again, gets the
 * program; our own attach also sends RTM_NEWLINK, hence the check. */
static void on_link(enum fg_link_event ev, const char *ifname, int ifindex,
		    void *arg)
{
	struct fg_daemon *d = arg;

	if (!iface_listed(&d->cfg, ifname))
		return;
	if (ev == FG_LINK_DEL) {
		log_warn("interface removed; attaching when it returns",
			 "iface=%s ifindex=%d", ifname, ifindex);
		return;
	}
	if (!fg_xdp_attached_mode(d->opts.pin_dir, ifname))
		attach_one(d, ifname, d->cfg.xdp_mode, "link-appeared");
}

static void detach_iface(struct fg_daemon *d, const char *name)
{
	if (!fg_xdp_detach(d->opts.pin_dir, name))
		log_info("detached", "iface=%s", name);
}

static void render_metrics(struct fg_buf *out, void *arg);

/* A metrics listener that cannot start (its port taken) does not stop
 * the datapath: protection matters more than its figures. It is retried
 * every FG_HTTP_RETRY_S from the tick, so the port held by the instance
 * being replaced, or by a service stopped later, comes back by itself;
 * repeated failures are logged once per 10 minutes. */
#define FG_HTTP_RETRY_S 5

static void start_http(struct fg_daemon *d, const char *listen,
		       struct fg_log_limit *repeats)
{
	char err[256];

	d->http = fg_http_start(listen, render_metrics, d, err, sizeof(err));
	if (!d->http) {
		d->http_failed_ns = fg_monotonic_ns();
		fg_log_limited(repeats, FG_LOG_ERROR,
			       "metrics server failed; the datapath runs, "
			       "retrying",
			       "error=%s retry_s=%d", fg_q(err),
			       FG_HTTP_RETRY_S);
		return;
	}
	snprintf(d->http_listen, sizeof(d->http_listen), "%s", listen);
	log_info("serving metrics", "listen=%s path=/metrics", fg_q(listen));
}

static void update_http(struct fg_daemon *d, const char *listen)
{
	struct fg_log_limit always = FG_LOG_LIMIT(1, 1);

	if (d->http && !strcmp(d->http_listen, listen))
		return;
	fg_http_stop(d->http);
	d->http = NULL;
	d->http_listen[0] = '\0';
	if (!*listen) {
		log_info("metrics disabled", "%s", "");
		return;
	}
	start_http(d, listen, &always);
}

static void retry_http(struct fg_daemon *d)
{
	static struct fg_log_limit repeats = FG_LOG_LIMIT(600, 1);

	if (d->http || !*d->cfg.metrics_listen ||
	    fg_monotonic_ns() - d->http_failed_ns <
		FG_HTTP_RETRY_S * 1000000000ull)
		return;
	start_http(d, d->cfg.metrics_listen, &repeats);
}

static void set_ctl(struct fg_daemon *d, __u32 enabled, __u32 dry_run)
{
	struct fg_ctl *ctl = d->loader.maps.ctl_mem;

	__atomic_store_n(&ctl->enabled, enabled, __ATOMIC_RELEASE);
	__atomic_store_n(&ctl->dry_run, dry_run, __ATOMIC_RELEASE);
	d->seen_enabled = enabled;
	d->seen_dry_run = dry_run;
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
	rc = fg_list_sync_plan(&d->loader.maps, s->allow, s->nallow, s->deny,
			       s->ndeny, sync, &room);
	if (rc == -ENOSPC)
		snprintf(err, errlen,
			 "%s: lists: %zu entries from the config and %zu "
			 "added with floodgate allow|deny do not fit the "
			 "table's %zu; remove some (floodgate allow|deny del) "
			 "or shorten the config's lists",
			 config_name(&d->opts), room.config, room.cli,
			 room.capacity);
	else if (rc)
		snprintf(err, errlen, "reading the lists: %s", strerror(-rc));
	return rc;
}

/*
 * Applies a validated config, whole or not at all. `old` is the previous
 * one, or NULL at start. Returns 0, or -errno with err set; nothing
 * changed then: the config is written to the idle slot and the lists
 * synced (undone if a write fails) before the slot goes live.
 */
static int apply(struct fg_daemon *d, const struct fg_settings *s,
		 const struct fg_settings *old, char *err, size_t errlen)
{
	struct fg_config *cfg = calloc(1, sizeof(*cfg));
	struct fg_list_sync *sync = NULL;
	struct fg_meta meta;
	int rc, lock = -1;

	if (!cfg) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = compile(d, s, cfg, &meta, err, errlen);
	if (!rc)
		rc = plan_lists(d, s, &lock, &sync, err, errlen);
	if (!rc) {
		rc =
		    fg_maps_stage_config(&d->loader.maps, cfg, d->ports, &meta);
		if (rc)
			snprintf(err, errlen, "writing config maps: %s",
				 strerror(-rc));
	}
	if (!rc) {
		rc = fg_list_sync_run(&d->loader.maps, sync);
		if (rc)
			snprintf(err, errlen,
				 "writing the lists: %s; the previous lists "
				 "are restored",
				 strerror(-rc));
	}
	if (!rc)
		fg_maps_commit_config(&d->loader.maps);
	fg_pin_unlock(lock);
	fg_list_sync_free(sync);
	free(cfg);
	if (rc)
		return rc;

	/* A mode the operator set from the CLI stands until the config's
	 * own mode changes. */
	if (old && s->dry_run != old->dry_run) {
		set_ctl(d, d->seen_enabled, s->dry_run);
		log_info("mode changed", "mode=%s source=config",
			 s->dry_run ? "dry-run" : "enforce");
	}
	if (old && s->max_sources != old->max_sources)
		log_warn("table.max_sources changes on restart only",
			 "configured=%u running=%ld", s->max_sources,
			 fg_sources_capacity(&d->loader.maps));

	if (old) {
		for (unsigned int i = 0; i < old->nifaces; i++)
			if (!iface_listed(s, old->ifaces[i]))
				detach_iface(d, old->ifaces[i]);
	}
	attach_all(d, s);

	pthread_mutex_lock(&d->lock);
	d->nifaces = s->nifaces;
	for (unsigned int i = 0; i < s->nifaces; i++)
		memcpy(d->ifaces[i], s->ifaces[i], IF_NAMESIZE);
	d->top_sources = s->top_sources;
	d->last_reload_success = now_unix();
	pthread_mutex_unlock(&d->lock);

	update_http(d, s->metrics_listen);
	return 0;
}

static void render_metrics(struct fg_buf *out, void *arg)
{
	struct fg_daemon *d = arg;
	struct fg_snapshot *snap = calloc(1, sizeof(*snap));
	struct fg_daemon_state ds = {0};
	struct fg_top_entry top[1000];
	struct fg_top_source tops[1000];
	size_t total = 0;
	long ntop = 0;

	if (!snap) {
		out->failed = 1;
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (fg_snapshot_read(&d->loader.maps, true, snap)) {
		pthread_mutex_unlock(&d->lock);
		free(snap);
		out->failed = 1;
		return;
	}
	ds.nifaces = d->nifaces;
	for (unsigned int i = 0; i < d->nifaces; i++) {
		memcpy(ds.ifaces[i].name, d->ifaces[i], IF_NAMESIZE);
		ds.ifaces[i].mode =
		    fg_xdp_attached_mode(d->opts.pin_dir, d->ifaces[i]);
	}
	ds.reloads_success = d->reloads_success;
	ds.reloads_failure = d->reloads_failure;
	ds.last_reload_success = d->last_reload_success;
	if (d->top_sources)
		ntop = fg_top_sources(&d->loader.maps, FG_TOP_BY_DROPS,
				      d->top_sources, top, &total);
	pthread_mutex_unlock(&d->lock);

	for (long i = 0; i < ntop && top[i].dropped; i++) {
		fg_format_source(top[i].addr, snap->meta.ipv4_prefix,
				 snap->meta.ipv6_prefix, tops[i].addr,
				 sizeof(tops[i].addr));
		tops[i].dropped = top[i].dropped;
		ds.ntop = (unsigned int)i + 1;
	}
	ds.top = tops;
	fg_prom_render(snap, &ds, out);
	free(snap);
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

	if (!d || !(d->ports = calloc(FG_PORTS, sizeof(*d->ports)))) {
		log_error("out of memory", "%s", "");
		free(d);
		return NULL;
	}
	d->opts = *o;
	pthread_mutex_init(&d->lock, NULL);
	if (load_settings(o, &d->cfg, err, sizeof(err))) {
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
	} else {
		set_ctl(d, d->cfg.enabled, d->cfg.dry_run);
	}
	if (o->env_enabled >= 0 && (__u32)o->env_enabled != d->seen_enabled) {
		set_ctl(d, (__u32)o->env_enabled, d->seen_dry_run);
		log_info("kill-switch set", "enabled=%d source=environment",
			 o->env_enabled);
	}

	if (apply(d, &d->cfg, NULL, err, sizeof(err))) {
		log_error("config rejected", "error=%s", fg_q(err));
		goto fail_loader;
	}
	d->links = fg_links_open(on_link, d);
	__atomic_store_n(&d->loader.maps.ctl_mem->daemon_pid, (__u32)getpid(),
			 __ATOMIC_RELEASE);
	log_info("started", "config=%s rules=%u enabled=%u mode=%s pid=%d",
		 fg_q(config_name(o)), d->cfg.nrules, d->seen_enabled,
		 d->seen_dry_run ? "dry-run" : "enforce", (int)getpid());
	return d;

fail_loader:
	fg_loader_close(&d->loader);
fail_cfg:
	fg_config_free(&d->cfg);
fail:
	pthread_mutex_destroy(&d->lock);
	free(d->ports);
	free(d);
	return NULL;
}

void fg_daemon_reload(struct fg_daemon *d)
{
	struct fg_settings next;
	char err[FG_ERR_MAX];
	int rc;

	log_info("reloading", "config=%s", fg_q(config_name(&d->opts)));
	rc = load_settings(&d->opts, &next, err, sizeof(err));
	if (!rc) {
		rc = apply(d, &next, &d->cfg, err, sizeof(err));
		if (rc)
			fg_config_free(&next);
	}
	if (rc) {
		pthread_mutex_lock(&d->lock);
		d->reloads_failure++;
		pthread_mutex_unlock(&d->lock);
		__atomic_add_fetch(&d->loader.maps.ctl_mem->reloads_failure, 1,
				   __ATOMIC_RELEASE);
		log_error("reload failed; keeping the running config",
			  "error=%s", fg_q(err));
		return;
	}
	fg_config_free(&d->cfg);
	d->cfg = next;
	pthread_mutex_lock(&d->lock);
	d->reloads_success++;
	pthread_mutex_unlock(&d->lock);
	__atomic_add_fetch(&d->loader.maps.ctl_mem->reloads_success, 1,
			   __ATOMIC_RELEASE);
	log_info("reloaded", "rules=%u allow=%zu deny=%zu", d->cfg.nrules,
		 d->cfg.nallow, d->cfg.ndeny);
}

static int count_any(const struct fg_src_key *k, const struct fg_block *b,
		     void *arg)
{
	(void)b;
	*(long *)arg += k->rule_id == FG_RULE_ID_ANY;
	return 0;
}

/* Expires the penalty box, and lets the program skip its lookup while
 * nobody is blocked (block_active), and its second lookup while nobody
 * is blocked for all traffic (block_source_active). Clear a flag first,
 * then look: an entry the program adds meanwhile either sees the flag
 * cleared and sets it again, or is seen here. */
static void expire_blocked(struct fg_daemon *d)
{
	struct fg_ctl *ctl = d->loader.maps.ctl_mem;
	long live = 0, live_any = 0, gone, any = 0;

	gone = fg_blocked_expire(&d->loader.maps, fg_monotonic_ns(), &live,
				 &live_any);
	if (gone > 0)
		log_info("penalty box expired", "entries=%ld still_blocked=%ld",
			 gone, live);
	if (!live_any &&
	    __atomic_load_n(&ctl->block_source_active, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&ctl->block_source_active, 0,
				 __ATOMIC_SEQ_CST);
		fg_blocked_walk(&d->loader.maps, count_any, &any);
		if (any > 0)
			__atomic_store_n(&ctl->block_source_active, 1,
					 __ATOMIC_SEQ_CST);
	}
	if (!live && __atomic_load_n(&ctl->block_active, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&ctl->block_active, 0, __ATOMIC_SEQ_CST);
		if (fg_blocked_walk(&d->loader.maps, NULL, NULL) > 0)
			__atomic_store_n(&ctl->block_active, 1,
					 __ATOMIC_SEQ_CST);
	}
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
	expire_blocked(d);
	retry_http(d);
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
	fg_http_stop(d->http);
	__atomic_store_n(&d->loader.maps.ctl_mem->daemon_pid, 0,
			 __ATOMIC_RELEASE);
	if (d->cfg.detach_on_exit) {
		for (unsigned int i = 0; i < d->cfg.nifaces; i++)
			detach_iface(d, d->cfg.ifaces[i]);
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
	free(d->ports);
	free(d);
}
