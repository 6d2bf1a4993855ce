// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "prom.h"

#include <bpf/libbpf.h>
#include <string.h>

#ifndef FG_VERSION
#define FG_VERSION "unknown"
#endif

static void head(struct fg_buf *b, const char *name, const char *type,
		 const char *help)
{
	fg_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		      type);
}

void fg_prom_label_value(struct fg_buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fg_buf_append(out, "\\\\", 2);
		else if (*v == '"')
			fg_buf_append(out, "\\\"", 2);
		else if (*v == '\n')
			fg_buf_append(out, "\\n", 2);
		else
			fg_buf_append(out, v, 1);
	}
}

static void verdict_counters(struct fg_buf *b, const struct fg_snapshot *s,
			     bool bytes)
{
	const char *name =
	    bytes ? "floodgate_bytes_total" : "floodgate_packets_total";

	head(b, name, "counter",
	     bytes ? "Bytes seen by the XDP program, by verdict and reason."
		   : "Packets seen by the XDP program, by verdict and reason.");
	for (unsigned int a = 0; a < FG_ACTION_COUNT; a++) {
		for (unsigned int r = 0; r < FG_REASON_COUNT; r++) {
			const struct fg_counter *c =
			    &s->stats[a * FG_REASON_SLOTS + r];

			if (!fg_reason_has_action(r, a) && !c->packets)
				continue;
			fg_buf_printf(
			    b, "%s{action=\"%s\",reason=\"%s\"} %llu\n", name,
			    fg_action_label(a), fg_reason_label(r),
			    (unsigned long long)(bytes ? c->bytes
						       : c->packets));
		}
	}
}

static void rule_counters(struct fg_buf *b, const struct fg_snapshot *s)
{
	head(b, "floodgate_rule_packets_total", "counter",
	     "Packets that reached rule matching, by rule and verdict.");
	for (unsigned int r = 0; r <= s->meta.nrules && r < FG_RULE_SLOTS;
	     r++) {
		const char *name =
		    r == FG_RULE_DEFAULT ? "default" : s->meta.rule_names[r];

		if (!fg_meta_slot_used(&s->meta, r))
			continue;
		for (unsigned int a = 0; a < FG_RULE_ACTIONS; a++) {
			fg_buf_printf(b,
				      "floodgate_rule_packets_total{rule=\"");
			fg_prom_label_value(b, name);
			fg_buf_printf(b, "\",action=\"%s\"} %llu\n",
				      fg_rule_action_label(a),
				      (unsigned long long)s
					  ->rule_stats[r * FG_RULE_ACTIONS + a]
					  .packets);
		}
	}
}

static void gauge(struct fg_buf *b, const char *name, const char *help,
		  long long v)
{
	head(b, name, "gauge", help);
	fg_buf_printf(b, "%s %lld\n", name, v);
}

static void gauge_f(struct fg_buf *b, const char *name, const char *type,
		    const char *help, double v)
{
	head(b, name, type, help);
	fg_buf_printf(b, "%s %.17g\n", name, v);
}

static void counter(struct fg_buf *b, const char *name, const char *help,
		    unsigned long long v)
{
	head(b, name, "counter", help);
	fg_buf_printf(b, "%s %llu\n", name, v);
}

/* The fleet's series, also while it is off (up 0), so that dashboards
 * and alerts find them on every host. */
static void fleet_series(struct fg_buf *b, const struct fg_snapshot *s,
			 const struct fg_fleet_stats *f)
{
	static const struct fg_fleet_stats none;

	if (!f)
		f = &none;
	gauge(b, "floodgate_fleet_up",
	      "1 when the last fleet sync reached Redis.", f->up);
	gauge(b, "floodgate_fleet_hosts",
	      "Hosts of this fleet seen in the last sync.", f->hosts);
	gauge(b, "floodgate_fleet_blocked_sources",
	      "Sources the fleet blocks on this host.", s->fleet_blocked);
	head(b, "floodgate_fleet_sync_duration_seconds", "histogram",
	     "Time of one fleet sync (one Redis round trip).");
	for (int i = 0; i < FG_FLEET_SYNC_BUCKETS; i++) {
		fg_buf_printf(b,
			      "floodgate_fleet_sync_duration_seconds_bucket{"
			      "le=\"%g\"} %llu\n",
			      fg_fleet_sync_bounds[i], f->sync_bucket[i]);
	}
	fg_buf_printf(
	    b,
	    "floodgate_fleet_sync_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "floodgate_fleet_sync_duration_seconds_sum %.6f\n"
	    "floodgate_fleet_sync_duration_seconds_count %llu\n",
	    f->sync_count, f->sync_sum_s, f->sync_count);
	head(b, "floodgate_fleet_errors_total", "counter",
	     "Failed fleet operations, by step.");
	for (int op = 0; op < FG_FLEET_OP_COUNT; op++)
		fg_buf_printf(b,
			      "floodgate_fleet_errors_total{op=\"%s\"} %llu\n",
			      fg_fleet_op_names[op], f->errors[op]);
	counter(b, "floodgate_fleet_published_sources_total",
		"Source charges sent to the fleet.", f->published_sources);
	counter(b, "floodgate_fleet_blocks_refused_total",
		"Fleet blocks pulled and refused: malformed, or for a rule "
		"without a fleet limit here.",
		f->blocks_refused);
	counter(b, "floodgate_fleet_redis_commands_total",
		"Commands sent to Redis by fleet syncs.", f->commands);
	counter(b, "floodgate_fleet_redis_sent_bytes_total",
		"Bytes of commands sent to Redis by fleet syncs.",
		f->bytes_sent);
}

double fg_prom_boottime_to_unix(__u32 at, double boot_now, double real_now)
{
	return at ? real_now + ((double)at - boot_now) : 0;
}

/* As the client libraries name and describe them. */
static void process_series(struct fg_buf *b, const struct fg_process_stats *p)
{
	gauge_f(b, "process_cpu_seconds_total", "counter",
		"Total user and system CPU time spent in seconds.",
		p->cpu_seconds);
	if (p->open_fds >= 0)
		gauge_f(b, "process_open_fds", "gauge",
			"Number of open file descriptors.", p->open_fds);
	if (p->max_fds >= 0)
		gauge_f(b, "process_max_fds", "gauge",
			"Maximum number of open file descriptors.", p->max_fds);
	gauge_f(b, "process_virtual_memory_bytes", "gauge",
		"Virtual memory size in bytes.", p->virtual_bytes);
	gauge_f(b, "process_resident_memory_bytes", "gauge",
		"Resident memory size in bytes.", p->resident_bytes);
	gauge_f(b, "process_start_time_seconds", "gauge",
		"Start time of the process since unix epoch in seconds.",
		p->start_time);
}

/* One stable series per configured interface (attached 0/1), and its
 * mode apart, so that a detach changes a value, not the series. */
static void interface_series(struct fg_buf *b, const struct fg_daemon_state *d)
{
	head(b, "floodgate_interface_attached", "gauge",
	     "1 when the program runs on a configured interface, else 0.");
	for (unsigned int i = 0; i < d->nifaces; i++) {
		fg_buf_printf(b, "floodgate_interface_attached{interface=\"");
		fg_prom_label_value(b, d->ifaces[i].name);
		fg_buf_printf(b, "\"} %d\n", d->ifaces[i].mode ? 1 : 0);
	}
	head(b, "floodgate_interface_info", "gauge",
	     "How the program is attached to a configured interface "
	     "(mode none: not attached); always 1.");
	for (unsigned int i = 0; i < d->nifaces; i++) {
		const char *mode = d->ifaces[i].mode;

		fg_buf_printf(b, "floodgate_interface_info{interface=\"");
		fg_prom_label_value(b, d->ifaces[i].name);
		fg_buf_printf(b, "\",mode=\"%s\"} 1\n", mode ? mode : "none");
	}
}

void fg_prom_render(const struct fg_snapshot *s,
		    const struct fg_daemon_state *d, struct fg_buf *b)
{
	verdict_counters(b, s, false);
	verdict_counters(b, s, true);
	rule_counters(b, s);
	gauge(b, "floodgate_enabled",
	      "1 when the kill-switch lets floodgate act.", s->enabled);
	gauge(b, "floodgate_dry_run",
	      "1 in dry-run mode: over-limit packets pass and are counted.",
	      s->dry_run);
	if (s->tracked_sources >= 0)
		gauge(b, "floodgate_tracked_sources",
		      "Entries in the source table.", s->tracked_sources);
	gauge(b, "floodgate_tracked_sources_capacity",
	      "Size of the source table (table.max_sources).", s->capacity);
	gauge(b, "floodgate_blocked_sources", "Sources in the penalty box.",
	      s->blocked_sources);

	head(b, "floodgate_revert_timestamp_seconds", "gauge",
	     "Unix time at which a timed kill-switch or mode change "
	     "(--for) reverts; 0 when none is timed.");
	fg_buf_printf(b,
		      "floodgate_revert_timestamp_seconds{setting=\"enabled\"} "
		      "%.0f\n"
		      "floodgate_revert_timestamp_seconds{setting=\"dry_run\"} "
		      "%.0f\n",
		      d->enabled_revert_at, d->dry_run_revert_at);

	/* The datapath counts refused packets in the same per-CPU map as
	 * the table's entries; exported apart, so one family never sums
	 * packets with entries. */
	head(b, "floodgate_source_table_events_total", "counter",
	     "Source table entries admitted and penalty-box entries made.");
	for (unsigned int e = 0; e < FG_TABLE_EVENTS; e++) {
		const char *l = fg_table_event_label(e);

		if (l && e != FG_TABLE_REFUSED)
			fg_buf_printf(b,
				      "floodgate_source_table_events_total{"
				      "event=\"%s\"} %llu\n",
				      l,
				      (unsigned long long)s->table_events[e]);
	}
	counter(b, "floodgate_admission_refused_packets_total",
		"Packets of sources new to the table refused by the admission "
		"limit (table.new_sources).",
		(unsigned long long)s->table_events[FG_TABLE_REFUSED]);

	counter(b, "floodgate_chain_packets_total",
		"Packets floodgate passed and handed to the program in its "
		"chain slot.",
		(unsigned long long)s->chain.handed.packets);

	interface_series(b, d);

	head(b, "floodgate_config_reloads_total", "counter",
	     "Config reloads, by result.");
	fg_buf_printf(
	    b,
	    "floodgate_config_reloads_total{result=\"success\"} %llu\n"
	    "floodgate_config_reloads_total{result=\"failure\"} %llu\n",
	    d->reloads_success, d->reloads_failure);
	head(b, "floodgate_config_last_reload_success_timestamp_seconds",
	     "gauge", "Unix time of the last config load that succeeded.");
	fg_buf_printf(
	    b, "floodgate_config_last_reload_success_timestamp_seconds %.3f\n",
	    d->last_reload_success);
	gauge(b, "floodgate_config_last_reload_successful",
	      "1 when the last config load or reload was applied, 0 when it "
	      "failed (the previous config runs).",
	      d->last_reload_ok);

	fleet_series(b, s, d->fleet);

	head(b, "floodgate_build_info", "gauge", "Build versions; always 1.");
	fg_buf_printf(b,
		      "floodgate_build_info{version=\"%s\",libbpf=\"%s\"} 1\n",
		      FG_VERSION, libbpf_version_string());

	if (d->process)
		process_series(b, d->process);

	if (d->ntop) {
		head(b, "floodgate_top_source_dropped_packets", "gauge",
		     "Packets dropped from the sources dropped most.");
		for (unsigned int i = 0; i < d->ntop; i++) {
			fg_buf_printf(
			    b,
			    "floodgate_top_source_dropped_packets{source=\"");
			fg_prom_label_value(b, d->top[i].addr);
			fg_buf_printf(b, "\"} %llu\n",
				      (unsigned long long)d->top[i].dropped);
		}
	}
}
