/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Prometheus text exposition format 0.0.4 (DESIGN.md §6). */
#ifndef FG_PROM_H
#define FG_PROM_H

#include <stdbool.h>

#include "buf.h"
#include "fleetstats.h"
#include "procstat.h"
#include "snapshot.h"

#define FG_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct fg_top_source {
	char addr[64]; /* formatted prefix */
	__u64 dropped;
};

/* What only the daemon knows. */
struct fg_daemon_state {
	unsigned int nifaces; /* configured interfaces */
	struct fg_iface_state ifaces[FG_SNAP_MAX_IFACES];
	unsigned long long reloads_success, reloads_failure;
	double last_reload_success; /* unix time; 0 = never */
	bool last_reload_ok;	    /* the last load or reload was applied */
	/* When a timed kill-switch or mode (`--for`) reverts, unix time;
	 * 0 = not timed. */
	double enabled_revert_at, dry_run_revert_at;
	const struct fg_process_stats *process; /* NULL: not read */
	unsigned int ntop;
	const struct fg_top_source *top;
	const struct fg_fleet_stats *fleet; /* NULL: no fleet job */
};

void fg_prom_render(const struct fg_snapshot *s,
		    const struct fg_daemon_state *d, struct fg_buf *out);

/* A CLOCK_BOOTTIME second (fg_ctl's *_revert_at) as unix time, from
 * both clocks read now; 0 stays 0 (not timed). */
double fg_prom_boottime_to_unix(__u32 at, double boot_now, double real_now);

/* Appends v escaped as a label value (backslash, quote, newline). */
void fg_prom_label_value(struct fg_buf *out, const char *v);

#endif /* FG_PROM_H */
