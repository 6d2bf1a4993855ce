/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's state, shared by the files of its jobs: daemon.c (start,
 * tick, stop), reload.c (config load, apply, reload), attach.c
 * (interfaces) and metrics.c (the /metrics listener). Not for outside
 * user/floodgated/: daemon.h is the API.
 */
#ifndef FG_DAEMON_PRIV_H
#define FG_DAEMON_PRIV_H

#include <net/if.h>
#include <pthread.h>

#include "daemon.h"
#include "fleet.h"
#include "links.h"
#include "loader.h"
#include "publish.h"
#include "sampler.h"
#include "snapshot.h"
#include "timedswitch.h"
#include "watch.h"

#define DAEMON_MAX_KNOWN_IFACES FG_SNAP_MAX_IFACES

struct fg_http;

struct fg_daemon {
	struct fg_daemon_opts opts;
	struct fg_loader loader;
	struct fg_settings cfg;	     /* live */
	struct fg_compiled compiled; /* scratch for compiling */
	struct fg_http *http;
	char http_listen[FG_LISTEN_MAX];
	__u64 http_failed_ns; /* when the listener last failed to start */
	struct fg_links *links;
	__u32 seen_enabled, seen_dry_run;
	/* events.c: the penalty box's summary line, at most one a second. */
	__u64 box_log_ns;
	__u64 box_entered_seen; /* FG_TABLE_BLOCKED when last logged */
	/* What the last daemon_apply changed in the lists. */
	struct fg_list_sync_counts list_changes;
	/* enum fg_multiprog_state of the last attach, for fg_meta. */
	__u32 multiprog_state;

	/* Other jobs' state goes here, one member each, set up in
	 * fg_daemon_start and released in fg_daemon_stop. */
	struct fg_fleet *fleet;	    /* fleet.c: its own thread */
	struct fg_sampler *sampler; /* sampler.c: its own thread */
	struct fg_watch *watch; /* watch.c: list files; NULL if unavailable */

	/* Shared with the metrics thread. */
	pthread_mutex_t lock;
	unsigned long long reloads_success, reloads_failure;
	double last_reload_success;
	bool last_reload_ok; /* the last load or reload was applied */
	unsigned int top_sources;
	unsigned int nifaces; /* named by the config, or matched by a glob */
	char ifaces[DAEMON_MAX_KNOWN_IFACES][IF_NAMESIZE];
};

/* daemon.c: the kill-switch and mode, in fg_ctl and as last seen. */
void daemon_set_ctl(struct fg_daemon *d, __u32 enabled, __u32 dry_run);
/* One of them, for good: a timer on it (--for) is cleared. */
void daemon_set_switch(struct fg_daemon *d, enum fg_switch sw, __u32 value);

/* reload.c */
/* The config file (or the built-in default) with the command line's
 * overrides. */
int daemon_load_settings(const struct fg_daemon_opts *o, struct fg_settings *s,
			 char *err, size_t errlen);
const char *daemon_config_name(const struct fg_daemon_opts *o);
/* Applies validated settings, whole or not at all; old: the previous
 * ones, or NULL at start. 0, or -errno with err set. */
int daemon_apply(struct fg_daemon *d, const struct fg_settings *s,
		 const struct fg_settings *old, char *err, size_t errlen);
/* Re-reads and applies the config, as SIGHUP does; reason (and the file
 * that changed, or NULL) go into the log line. */
void daemon_reload(struct fg_daemon *d, const char *reason, const char *path);

/* attach.c */
bool daemon_iface_listed(const struct fg_settings *s, const char *name);
void daemon_attach_all(struct fg_daemon *d, const struct fg_settings *s);
void daemon_detach_iface(struct fg_daemon *d, const char *name);
/* Detaches every pinned link of an interface s does not list (all of
 * them when s is NULL). */
void daemon_detach_unlisted(struct fg_daemon *d, const struct fg_settings *s);
/* At start: the pinned chain slot, as found (logged), its hand-off off
 * if the slot is empty. */
void daemon_adopt_chain(struct fg_daemon *d);
/* Writes d->multiprog_state into the live fg_meta, for `status`. */
void daemon_publish_multiprog(struct fg_daemon *d);
/* fg_links callback; arg is the daemon. */
void daemon_on_link(enum fg_link_event ev, const char *ifname, int ifindex,
		    void *arg);

/* events.c */
/* The reload's one line: rules added, removed, changed, list entries. */
void daemon_log_reload(const struct fg_settings *old,
		       const struct fg_settings *now,
		       struct fg_list_sync_counts lists);
/* From the tick, at most once a second: how many sources entered the
 * penalty box since the last line, and the newest few (cut to
 * log.source_prefix). */
void daemon_log_box_entries(struct fg_daemon *d, __u64 now);

/* metrics.c */
/* A reload's new listener, started while the running one still serves
 * (on its socket when the address is the same). Fails, with err, when it
 * cannot start: the reload then fails and the running one stays. *next
 * NULL when there is nothing to start before the switch: no listener
 * runs (one starts after it, retried as at start), metrics go off, or
 * nothing changed. */
int daemon_prepare_http(struct fg_daemon *d, const char *listen,
			const struct fg_web_config *web, struct fg_http **next,
			char *err, size_t errlen);
/* Starts, moves or stops the listener to match listen ("" = off) and the
 * web config (TLS, users; NULL: none); next, from daemon_prepare_http,
 * replaces the running one. */
void daemon_update_http(struct fg_daemon *d, const char *listen,
			const struct fg_web_config *web, struct fg_http *next);
/* From the tick: restarts a listener that failed to start. */
void daemon_retry_http(struct fg_daemon *d);

#endif /* FG_DAEMON_PRIV_H */
