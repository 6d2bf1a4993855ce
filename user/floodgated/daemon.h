/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The daemon's state and its life: start, reload, tick, stop. */
#ifndef FG_DAEMON_H
#define FG_DAEMON_H

#include <stdbool.h>

#include "config.h"

struct fg_daemon_opts {
	const char *config_path; /* NULL: built-in defaults */
	const char *ifaces[FG_MAX_IFACES];
	unsigned int nifaces; /* from -i: override the config's */
	enum fg_xdp_mode xdp_mode;
	bool xdp_mode_set;
	const char *pin_dir;
	bool check_only;
	int env_enabled; /* FLOODGATE_ENABLED: 0, 1, or -1 unset */
};

struct fg_daemon;

/* Validates the config as a start would; prints the verdict. Returns 0
 * when it is good. */
int fg_daemon_check(const struct fg_daemon_opts *o);
struct fg_daemon *fg_daemon_start(const struct fg_daemon_opts *o);
/* SIGHUP: re-read, validate, apply; a bad config keeps the old one. */
void fg_daemon_reload(struct fg_daemon *d);
/* Periodic work: notice CLI changes to the kill-switch and mode. */
void fg_daemon_tick(struct fg_daemon *d);
/* The descriptor to poll (link events), or -1; call fg_daemon_on_input
 * when it is readable. */
int fg_daemon_poll_fd(const struct fg_daemon *d);
void fg_daemon_on_input(struct fg_daemon *d);
/* The list files' watch: a descriptor to poll (or -1), how long the loop
 * may wait (at most max_ms) before a debounced change is due, and what
 * to call when it is readable or the wait is over (reloads when due). */
int fg_daemon_watch_fd(const struct fg_daemon *d);
int fg_daemon_wait_ms(const struct fg_daemon *d, int max_ms);
void fg_daemon_on_watch(struct fg_daemon *d);
void fg_daemon_stop(struct fg_daemon *d);

#endif /* FG_DAEMON_H */
