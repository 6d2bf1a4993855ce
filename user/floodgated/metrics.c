// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The /metrics listener and what it serves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon_priv.h"
#include "http.h"
#include "log.h"
#include "procstat.h"
#include "prom.h"
#include "snapshot.h"
#include "top.h"
#include "xdp.h"

/* A metrics listener that cannot start (its port taken) does not stop
 * the datapath: protection matters more than its figures. It is retried
 * every FG_HTTP_RETRY_S from the tick, so the port held by the instance
 * being replaced, or by a service stopped later, comes back by itself;
 * repeated failures are logged once per 10 minutes.
 * At a reload, a new address or web config starts beside the running
 * listener before anything changes; when that fails (a bad web config,
 * the port held by another process) the reload fails and the running
 * listener serves on. Only a move onto the running listener's own port
 * (0.0.0.0:P <-> 127.0.0.1:P) must stop it first: that is done after the
 * rules and lists are in, and never fails them. */
#define FG_HTTP_RETRY_S 5

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* fg_ctl's revert times are CLOCK_BOOTTIME seconds; dashboards want
 * unix time. */
static void read_revert_times(const struct fg_ctl *ctl,
			      struct fg_daemon_state *ds)
{
	double boot = clock_s(CLOCK_BOOTTIME), real = clock_s(CLOCK_REALTIME);

	ds->enabled_revert_at = fg_prom_boottime_to_unix(
	    __atomic_load_n(&ctl->enabled_revert_at, __ATOMIC_RELAXED), boot,
	    real);
	ds->dry_run_revert_at = fg_prom_boottime_to_unix(
	    __atomic_load_n(&ctl->dry_run_revert_at, __ATOMIC_RELAXED), boot,
	    real);
}

static void render_metrics(struct fg_buf *out, void *arg)
{
	struct fg_daemon *d = arg;
	struct fg_snapshot *snap = calloc(1, sizeof(*snap));
	struct fg_daemon_state ds = {0};
	struct fg_fleet_stats fleet;
	struct fg_process_stats proc;
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
	ds.last_reload_ok = d->last_reload_ok;
	read_revert_times(d->loader.maps.ctl_mem, &ds);
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
	fg_fleet_stats(d->fleet, &fleet);
	ds.fleet = &fleet;
	if (!fg_procstat_read(&proc))
		ds.process = &proc;
	fg_prom_render(snap, &ds, out);
	free(snap);
}

static void log_serving(const char *listen, const struct fg_web_config *web)
{
	log_info("serving metrics", "listen=%s path=/metrics tls=%s users=%u",
		 fg_q(listen), web && web->cert_pem ? "on" : "off",
		 web ? web->nusers : 0);
}

static void start_http(struct fg_daemon *d, const char *listen,
		       const struct fg_web_config *web,
		       struct fg_log_limit *repeats)
{
	char err[512];

	d->http =
	    fg_http_start_web(listen, web, render_metrics, d, err, sizeof(err));
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
	log_serving(listen, web);
}

int daemon_prepare_http(struct fg_daemon *d, const char *listen,
			const struct fg_web_config *web, struct fg_http **next,
			char *err, size_t errlen)
{
	bool in_way;
	char why[512];

	*next = NULL;
	if (!d->http || !*listen ||
	    (!strcmp(d->http_listen, listen) && fg_http_same_web(d->http, web)))
		return 0;
	*next = fg_http_start_beside(d->http, listen, web, render_metrics, d,
				     &in_way, why, sizeof(why));
	/* Only the running listener is in the way (0.0.0.0:P -> 127.0.0.1:P):
	 * daemon_update_http moves it once the rest is in. Another process
	 * on the port, or a bad web config, fails the reload: the running
	 * one serves on. */
	if (*next || in_way)
		return 0;
	snprintf(err, errlen, "metrics: %s; the running listener on %s is kept",
		 why, d->http_listen);
	return -EIO;
}

void daemon_update_http(struct fg_daemon *d, const char *listen,
			const struct fg_web_config *web, struct fg_http *next)
{
	struct fg_log_limit always = FG_LOG_LIMIT(1, 1);

	if (next) {
		fg_http_stop(d->http);
		d->http = next;
		snprintf(d->http_listen, sizeof(d->http_listen), "%s", listen);
		log_serving(listen, web);
		return;
	}
	/* A changed web config (certificate, key, users) restarts the
	 * listener: libmicrohttpd reads TLS material at start only. */
	if (d->http && !strcmp(d->http_listen, listen) &&
	    fg_http_same_web(d->http, web))
		return;
	/* Moving onto the running listener's port (see daemon_prepare_http):
	 * it stops first, and comes back when the new one cannot start; the
	 * rest of the reload stands, and the next reload tries again. */
	if (d->http && *listen) {
		char err[768];

		if (fg_http_replace(&d->http, listen, web, render_metrics, d,
				    err, sizeof(err))) {
			log_error("metrics listener not moved; the reload's "
				  "other changes are in",
				  "listen=%s error=%s", fg_q(listen),
				  fg_q(err));
			if (!d->http) {
				d->http_listen[0] = '\0';
				d->http_failed_ns = fg_monotonic_ns();
			}
			return;
		}
		snprintf(d->http_listen, sizeof(d->http_listen), "%s", listen);
		log_serving(listen, web);
		return;
	}
	fg_http_stop(d->http);
	d->http = NULL;
	d->http_listen[0] = '\0';
	if (!*listen) {
		log_info("metrics disabled", "%s", "");
		return;
	}
	start_http(d, listen, web, &always);
}

void daemon_retry_http(struct fg_daemon *d)
{
	static struct fg_log_limit repeats = FG_LOG_LIMIT(600, 1);

	if (d->http || !*d->cfg.metrics_listen ||
	    fg_monotonic_ns() - d->http_failed_ns <
		FG_HTTP_RETRY_S * 1000000000ull)
		return;
	start_http(d, d->cfg.metrics_listen, d->cfg.web, &repeats);
}
