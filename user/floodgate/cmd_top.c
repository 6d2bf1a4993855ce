// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate top: the sources with the most drops (or packets); with
 * --watch, their rates over each interval, refreshed in place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "snapshot.h"
#include "term.h"
#include "top.h"
#include "units.h"

/* Lines above the sources in the terminal view. */
#define VIEW_HEADER_LINES 4
#define LINE_MAX_LEN 512

static int show(struct cli *c, enum fg_top_by by, size_t n)
{
	struct fg_top_entry *top = calloc(n ? n : 1, sizeof(*top));
	struct fg_meta meta = {.ipv4_prefix = 32, .ipv6_prefix = 128};
	size_t total = 0;
	long got;

	if (!top)
		return cli_err(c, 1, "out of memory");
	fg_maps_read_meta(&c->maps, &meta);
	got = fg_top_sources(&c->maps, by, n, top, &total);
	if (got < 0) {
		free(top);
		return cli_err(c, 1, "reading the source table: %s",
			       strerror((int)-got));
	}
	if (c->json) {
		json_object *arr = json_object_new_array();

		for (long i = 0; i < got; i++) {
			json_object *o = json_object_new_object();
			char addr[64];

			fg_format_source(top[i].addr, meta.ipv4_prefix,
					 meta.ipv6_prefix, addr, sizeof(addr));
			json_object_object_add(o, "source",
					       json_object_new_string(addr));
			json_object_object_add(
			    o, "passed", json_object_new_uint64(top[i].passed));
			json_object_object_add(
			    o, "dropped",
			    json_object_new_uint64(top[i].dropped));
			json_object_object_add(
			    o, "rules", json_object_new_int((int)top[i].rules));
			json_object_array_add(arr, o);
		}
		cli_json_print(arr);
	} else {
		printf("%-40s %14s %14s %6s   (%zu sources tracked)\n",
		       "SOURCE", "PASSED", "DROPPED", "RULES", total);
		for (long i = 0; i < got; i++) {
			char addr[64];

			fg_format_source(top[i].addr, meta.ipv4_prefix,
					 meta.ipv6_prefix, addr, sizeof(addr));
			printf("%-40s %14llu %14llu %6u\n", addr,
			       (unsigned long long)top[i].passed,
			       (unsigned long long)top[i].dropped,
			       top[i].rules);
		}
	}
	free(top);
	return 0;
}

/* One reading for --watch: every source, and the counters. */
struct sample {
	struct fg_top_entry *src; /* sorted by address */
	long nsrc;
	size_t entries; /* (source, rule) entries: the table's fill */
	struct fg_snapshot *snap;
	__u64 at_ns;
};

/* What one interval shows. */
struct frame {
	struct fg_top_rate *rates; /* nsrc of them, by drop rate */
	long nsrc;
	double dt_s; /* 0 on the first frame: no rates yet */
	double pass_pps, drop_pps;
	enum fg_top_by by; /* the order */
	const struct sample *now;
};

static void sample_free(struct sample *s)
{
	free(s->src);
	free(s->snap);
	memset(s, 0, sizeof(*s));
}

static int sample_read(struct cli *c, struct sample *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->snap = calloc(1, sizeof(*s->snap));
	if (!s->snap)
		return -ENOMEM;
	s->at_ns = fg_monotonic_ns();
	rc = fg_snapshot_read(&c->maps, false, s->snap);
	if (!rc) {
		s->nsrc = fg_top_read(&c->maps, &s->src, &s->entries);
		rc = s->nsrc < 0 ? (int)s->nsrc : 0;
	}
	if (rc)
		sample_free(s);
	return rc;
}

/* Packets by action over every reason. */
static __u64 action_packets(const struct fg_snapshot *s, unsigned int action)
{
	__u64 n = 0;

	for (unsigned int r = 0; r < FG_REASON_SLOTS; r++)
		n += s->stats[action * FG_REASON_SLOTS + r].packets;
	return n;
}

static double rate(__u64 now, __u64 before, double dt_s)
{
	return dt_s > 0 && now >= before ? (double)(now - before) / dt_s : 0;
}

static int frame_make(enum fg_top_by by, const struct sample *prev,
		      const struct sample *now, struct frame *f)
{
	const struct fg_snapshot *a = prev ? prev->snap : NULL, *b = now->snap;

	memset(f, 0, sizeof(*f));
	f->now = now;
	f->by = by;
	f->nsrc = now->nsrc;
	f->rates =
	    calloc(now->nsrc > 0 ? (size_t)now->nsrc : 1, sizeof(*f->rates));
	if (!f->rates)
		return -ENOMEM;
	if (prev)
		f->dt_s = (double)(now->at_ns - prev->at_ns) / 1e9;
	fg_top_rates(prev ? prev->src : NULL, prev ? (size_t)prev->nsrc : 0,
		     now->src, (size_t)now->nsrc, f->dt_s, by, f->rates);
	if (a) {
		f->pass_pps = rate(action_packets(b, FG_ACTION_PASS),
				   action_packets(a, FG_ACTION_PASS), f->dt_s);
		f->drop_pps = rate(action_packets(b, FG_ACTION_DROP) +
				       action_packets(b, FG_ACTION_RESET),
				   action_packets(a, FG_ACTION_DROP) +
				       action_packets(a, FG_ACTION_RESET),
				   f->dt_s);
	}
	return 0;
}

/* The sources shown: held states marked for those only. */
static size_t frame_mark(struct cli *c, struct frame *f, size_t shown)
{
	if (shown > (size_t)f->nsrc)
		shown = (size_t)f->nsrc;
	fg_top_mark_held(&c->maps, fg_monotonic_ns(), f->rates, shown);
	return shown;
}

static void header_lines(const struct frame *f, double interval_s, bool keys,
			 char lines[VIEW_HEADER_LINES][LINE_MAX_LEN])
{
	const struct fg_snapshot *s = f->now->snap;
	char clock[16] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm))
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	snprintf(lines[0], LINE_MAX_LEN,
		 "floodgate top: every %gs, by %s rate (per-source drops "
		 "sampled 1 in 16)%s   %s",
		 interval_s, f->by == FG_TOP_BY_PACKETS ? "packet" : "drop",
		 keys ? "; q quits" : "", clock);
	if (f->dt_s > 0)
		snprintf(lines[1], LINE_MAX_LEN,
			 "%s, mode %s | passed %.0f/s, dropped %.0f/s | table "
			 "%zu of %ld (%.1f%%) | %ld blocked, %ld fleet-blocked",
			 s->enabled ? "enabled" : "DISABLED (kill-switch)",
			 s->dry_run ? "dry-run" : "enforce", f->pass_pps,
			 f->drop_pps, f->now->entries, s->capacity,
			 s->capacity ? 100.0 * (double)f->now->entries /
					   (double)s->capacity
				     : 0.0,
			 s->blocked_sources, s->fleet_blocked);
	else
		snprintf(lines[1], LINE_MAX_LEN,
			 "%s, mode %s | measuring the first interval... | "
			 "table %zu of %ld",
			 s->enabled ? "enabled" : "DISABLED (kill-switch)",
			 s->dry_run ? "dry-run" : "enforce", f->now->entries,
			 s->capacity);
	lines[2][0] = '\0';
	snprintf(lines[3], LINE_MAX_LEN, "%-40s %10s %10s %12s %12s  %s",
		 "SOURCE", "PASS/s", "DROP/s", "PASSED", "DROPPED", "STATE");
}

static void source_line(const struct fg_top_rate *r, const struct fg_meta *m,
			char *buf)
{
	char addr[64];

	fg_format_source(r->addr, m->ipv4_prefix, m->ipv6_prefix, addr,
			 sizeof(addr));
	snprintf(buf, LINE_MAX_LEN, "%-40s %10.0f %10.0f %12llu %12llu  %s",
		 addr, r->pass_pps, r->drop_pps, (unsigned long long)r->passed,
		 (unsigned long long)r->dropped, fg_top_state_label(r->state));
}

static void draw_view(struct cli *c, struct term *t, struct frame *f,
		      double interval_s, size_t max_rows)
{
	static char lines[VIEW_HEADER_LINES][LINE_MAX_LEN];
	size_t room =
	    t->rows > VIEW_HEADER_LINES ? t->rows - VIEW_HEADER_LINES : 0;
	const char **out;
	char(*rows)[LINE_MAX_LEN];
	size_t shown;

	if (room > max_rows)
		room = max_rows;
	shown = frame_mark(c, f, room);
	out = calloc(VIEW_HEADER_LINES + shown, sizeof(*out));
	rows = calloc(shown ? shown : 1, sizeof(*rows));
	if (!out || !rows) {
		free(out);
		free(rows);
		return;
	}
	header_lines(f, interval_s, true, lines);
	for (size_t i = 0; i < VIEW_HEADER_LINES; i++)
		out[i] = lines[i];
	for (size_t i = 0; i < shown; i++) {
		source_line(&f->rates[i], &f->now->snap->meta, rows[i]);
		out[VIEW_HEADER_LINES + i] = rows[i];
	}
	term_draw(t, out, VIEW_HEADER_LINES + shown);
	free(out);
	free(rows);
}

/* Not a terminal: one block (or one JSON line) per interval, for a log
 * or a pipe. */
static void print_plain(struct cli *c, struct frame *f, double interval_s,
			size_t n)
{
	char lines[VIEW_HEADER_LINES][LINE_MAX_LEN], row[LINE_MAX_LEN];
	size_t shown = frame_mark(c, f, n);

	if (c->json) {
		json_object *o = json_object_new_object(), *arr;

		json_object_object_add(o, "interval_seconds",
				       json_object_new_double(f->dt_s));
		json_object_object_add(o, "passed_pps",
				       json_object_new_double(f->pass_pps));
		json_object_object_add(o, "dropped_pps",
				       json_object_new_double(f->drop_pps));
		json_object_object_add(o, "table_entries",
				       json_object_new_uint64(f->now->entries));
		json_object_object_add(
		    o, "table_capacity",
		    json_object_new_int64(f->now->snap->capacity));
		arr = json_object_new_array();
		for (size_t i = 0; i < shown; i++) {
			const struct fg_top_rate *r = &f->rates[i];
			const struct fg_meta *m = &f->now->snap->meta;
			json_object *e = json_object_new_object();
			char addr[64];

			fg_format_source(r->addr, m->ipv4_prefix,
					 m->ipv6_prefix, addr, sizeof(addr));
			json_object_object_add(e, "source",
					       json_object_new_string(addr));
			json_object_object_add(
			    e, "pass_pps", json_object_new_double(r->pass_pps));
			json_object_object_add(
			    e, "drop_pps", json_object_new_double(r->drop_pps));
			json_object_object_add(
			    e, "passed", json_object_new_uint64(r->passed));
			json_object_object_add(
			    e, "dropped", json_object_new_uint64(r->dropped));
			json_object_object_add(
			    e, "state",
			    json_object_new_string(
				r->state ? fg_top_state_label(r->state)
					 : "ok"));
			json_object_array_add(arr, e);
		}
		json_object_object_add(o, "sources", arr);
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PLAIN |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		header_lines(f, interval_s, false, lines);
		printf("\n%s\n%s\n%s\n", lines[0], lines[1], lines[3]);
		for (size_t i = 0; i < shown; i++) {
			source_line(&f->rates[i], &f->now->snap->meta, row);
			printf("%s\n", row);
		}
	}
	fflush(stdout);
}

static void sleep_until(__u64 deadline_ns)
{
	while (!term_stop_requested()) {
		__u64 now = fg_monotonic_ns();
		struct timespec ts;

		if (now >= deadline_ns)
			return;
		ts.tv_sec = (time_t)((deadline_ns - now) / 1000000000ULL);
		ts.tv_nsec = (long)((deadline_ns - now) % 1000000000ULL);
		nanosleep(&ts, NULL); /* a signal ends it early */
	}
}

/* Waits for the next sample time, redrawing on a resize; false when the
 * operator quits. */
static bool view_wait(struct cli *c, struct term *t, struct frame *f,
		      double interval_s, size_t max_rows, __u64 deadline_ns)
{
	for (;;) {
		__u64 now = fg_monotonic_ns();
		int key;

		if (now >= deadline_ns)
			return true;
		key =
		    term_wait_key(t, (int)((deadline_ns - now) / 1000000 + 1));
		if (key < 0)
			return false;
		if (term_resized(t))
			draw_view(c, t, f, interval_s, max_rows);
	}
}

static int watch(struct cli *c, const struct fg_cmdline *a)
{
	double interval_s = (double)a->top_interval_ns / 1e9;
	struct sample prev = {0}, now = {0};
	struct term t = {0};
	bool view = !c->json && term_open(&t, STDIN_FILENO, STDOUT_FILENO) == 0;
	size_t max_rows = view && !a->top_n_set ? (size_t)-1 : a->top_n;
	bool first = true;
	int rc = 0;

	if (!view)
		term_catch_stop();
	while (!term_stop_requested()) {
		struct frame f;
		__u64 next;

		rc = sample_read(c, &now);
		if (!rc)
			rc = frame_make(a->top_by, first ? NULL : &prev, &now,
					&f);
		if (rc)
			break;
		next = now.at_ns + a->top_interval_ns;
		if (view)
			draw_view(c, &t, &f, interval_s, max_rows);
		else
			print_plain(c, &f, interval_s, max_rows);
		if (view) {
			bool go_on =
			    view_wait(c, &t, &f, interval_s, max_rows, next);

			free(f.rates);
			if (!go_on)
				break;
		} else {
			free(f.rates);
			sleep_until(next);
		}
		sample_free(&prev);
		prev = now;
		memset(&now, 0, sizeof(now));
		first = false;
	}
	term_close(&t);
	sample_free(&prev);
	sample_free(&now);
	if (rc)
		return cli_err(c, 1, "reading the source table: %s",
			       strerror(-rc));
	return 0;
}

int cmd_top(struct cli *c, const struct fg_cmdline *a)
{
	int rc;

	rc = cli_open(c);
	if (rc)
		return rc;
	if (!a->top_watch)
		return show(c, a->top_by, a->top_n);
	return watch(c, a);
}
