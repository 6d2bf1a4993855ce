// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The /metrics text (user/lib/prom.c), DESIGN.md §6. */
#include <bpf/libbpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "prom.h"

#define STAT(a, r) ((FG_ACTION_##a) * FG_REASON_SLOTS + (FG_REASON_##r))
#define RSTAT(rule, a) ((rule)*FG_RULE_ACTIONS + (FG_ACTION_##a))

struct fixture {
	struct fg_snapshot s;
	struct fg_daemon_state d;
	struct fg_top_source top[3];
	struct fg_buf out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct fg_snapshot *s;
	struct fg_daemon_state *d;

	if (!f)
		return -1;
	s = &f->s;
	d = &f->d;
	s->enabled = true;
	s->dry_run = false;
	s->stats[STAT(PASS, UNDER_LIMIT)] = (struct fg_counter){1000, 64000};
	s->stats[STAT(DROP, RATE_PACKETS)] = (struct fg_counter){42, 2688};
	s->stats[STAT(DROP, RATE_BYTES)] = (struct fg_counter){7, 10500};
	s->stats[STAT(PASS, MALFORMED)] = (struct fg_counter){3, 90};
	s->stats[STAT(DROP, DENY_LIST)] =
	    (struct fg_counter){18446744073709551615ULL, 5};
	snprintf(s->meta.rule_names[1], FG_RULE_NAME_LEN, "http");
	snprintf(s->meta.rule_names[2], FG_RULE_NAME_LEN, "we\"ird\\na\nme");
	s->meta.nrules = 2;
	s->rule_stats[RSTAT(0, PASS)].packets = 11;
	s->rule_stats[RSTAT(0, DROP)].packets = 12;
	s->rule_stats[RSTAT(1, PASS)].packets = 21;
	s->rule_stats[RSTAT(1, DROP)].packets = 22;
	s->rule_stats[RSTAT(2, PASS)].packets = 31;
	s->rule_stats[RSTAT(2, DROP)].packets = 32;
	/* a stale slot beyond nrules is not exported */
	snprintf(s->meta.rule_names[3], FG_RULE_NAME_LEN, "stale");
	s->rule_stats[RSTAT(3, PASS)].packets = 99;
	s->tracked_sources = 1234;
	s->capacity = 262144;
	s->blocked_sources = 5;

	d->nifaces = 2;
	snprintf(d->ifaces[0].name, IF_NAMESIZE, "eth0");
	d->ifaces[0].mode = "native";
	snprintf(d->ifaces[1].name, IF_NAMESIZE, "eth1");
	d->ifaces[1].mode = NULL;
	d->reloads_success = 3;
	d->reloads_failure = 1;
	d->last_reload_success = 1700000000.25;
	d->last_reload_ok = true;
	s->table_events[FG_TABLE_INSERTED] = 70;
	s->table_events[FG_TABLE_REFUSED] = 9000;
	s->table_events[FG_TABLE_BLOCKED] = 4;
	snprintf(f->top[0].addr, sizeof(f->top[0].addr), "192.0.2.0/24");
	f->top[0].dropped = 500;
	snprintf(f->top[1].addr, sizeof(f->top[1].addr), "2001:db8::/64");
	f->top[1].dropped = 40;
	d->top = f->top;
	d->ntop = 2;
	fg_buf_init(&f->out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fg_buf_free(&f->out);
	free(f);
	return 0;
}

static const char *render(struct fixture *f)
{
	fg_buf_free(&f->out);
	fg_prom_render(&f->s, &f->d, &f->out);
	assert_int_equal(f->out.failed, 0);
	assert_non_null(f->out.data);
	assert_int_equal(strlen(f->out.data), f->out.len);
	return f->out.data;
}

/* Lines of text equal to `line`. */
static int count_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	int count = 0;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !memcmp(p, line, n))
			count++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return count;
}

/* Lines starting with `prefix`. */
static int count_prefix(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	int count = 0;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');

		if (!strncmp(p, prefix, n))
			count++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return count;
}

static void want_line(const char *text, const char *line)
{
	int n = count_line(text, line);

	if (n != 1)
		fail_msg("line \"%s\" found %d times in:\n%s", line, n, text);
}

static void no_line_prefix(const char *text, const char *prefix)
{
	int n = count_prefix(text, prefix);

	if (n)
		fail_msg("\"%s\" found %d times in:\n%s", prefix, n, text);
}

static void label(const char *in, const char *want)
{
	struct fg_buf b;

	fg_buf_init(&b);
	fg_buf_append(&b, "x", 1);
	fg_prom_label_value(&b, in);
	assert_int_equal(b.failed, 0);
	assert_string_equal(b.data + 1, want);
	fg_buf_free(&b);
}

static void test_label_value(void **state)
{
	(void)state;
	label("plain", "plain");
	label("a\"b", "a\\\"b");
	label("a\\b", "a\\\\b");
	label("a\nb", "a\\nb");
	label("\"\\\n", "\\\"\\\\\\n");
	label("tab\there", "tab\there");
	label("héllo", "héllo");
	label("", "");
}

/* (action, reason) pairs fg_reasons.h allows: one bit per action. */
#define FG_ACTIONS_OF(name, label, actions) actions,
static const unsigned int reason_actions[] = {FG_REASON_LIST(FG_ACTIONS_OF)};
#undef FG_ACTIONS_OF

static int possible_pairs(void)
{
	int n = 0;

	for (size_t r = 0; r < FG_REASON_COUNT; r++)
		n += __builtin_popcount(reason_actions[r]);
	return n;
}

static void test_verdict_counters(void **state)
{
	struct fixture *f = *state;
	const char *t = render(f);

	want_line(t, "floodgate_packets_total{action=\"drop\","
		     "reason=\"rate_packets\"} 42");
	want_line(t, "floodgate_bytes_total{action=\"drop\","
		     "reason=\"rate_packets\"} 2688");
	want_line(t, "floodgate_packets_total{action=\"pass\","
		     "reason=\"under_limit\"} 1000");
	want_line(t, "floodgate_bytes_total{action=\"pass\","
		     "reason=\"under_limit\"} 64000");
	want_line(t, "floodgate_packets_total{action=\"drop\","
		     "reason=\"rate_bytes\"} 7");
	want_line(t, "floodgate_bytes_total{action=\"drop\","
		     "reason=\"rate_bytes\"} 10500");
	want_line(t, "floodgate_packets_total{action=\"drop\","
		     "reason=\"deny_list\"} 18446744073709551615");
	/* possible pairs show even at zero */
	want_line(t, "floodgate_packets_total{action=\"drop\","
		     "reason=\"rate_connections\"} 0");
	want_line(t, "floodgate_packets_total{action=\"drop\","
		     "reason=\"rate_aggregate\"} 0");
	want_line(t, "floodgate_packets_total{action=\"pass\","
		     "reason=\"dry_run\"} 0");
	want_line(t, "floodgate_packets_total{action=\"pass\","
		     "reason=\"disabled\"} 0");
	want_line(t, "floodgate_packets_total{action=\"pass\","
		     "reason=\"not_ip\"} 0");
	want_line(t, "floodgate_packets_total{action=\"pass\","
		     "reason=\"allow_list\"} 0");
	want_line(t, "floodgate_packets_total{action=\"drop\","
		     "reason=\"blocked\"} 0");
	/* malformed comes with either action */
	want_line(t, "floodgate_packets_total{action=\"pass\","
		     "reason=\"malformed\"} 3");
	want_line(t, "floodgate_bytes_total{action=\"pass\","
		     "reason=\"malformed\"} 90");
	want_line(t, "floodgate_packets_total{action=\"drop\","
		     "reason=\"malformed\"} 0");
	/* impossible pairs at zero are left out */
	no_line_prefix(t, "floodgate_packets_total{action=\"drop\","
			  "reason=\"under_limit\"}");
	no_line_prefix(t, "floodgate_packets_total{action=\"pass\","
			  "reason=\"deny_list\"}");
	no_line_prefix(t, "floodgate_packets_total{action=\"pass\","
			  "reason=\"rate_packets\"}");
	no_line_prefix(t, "floodgate_bytes_total{action=\"drop\","
			  "reason=\"dry_run\"}");
	no_line_prefix(t, "floodgate_bytes_total{action=\"drop\","
			  "reason=\"not_ip\"}");
	/* one line per pair the shared list allows, and no other */
	assert_int_equal(count_prefix(t, "floodgate_packets_total{"),
			 possible_pairs());
	assert_int_equal(count_prefix(t, "floodgate_bytes_total{"),
			 possible_pairs());
	assert_true(possible_pairs() >= FG_REASON_COUNT + 1);
}

/* A count on a pair the datapath should never produce is still shown:
 * hiding it would hide the bug. */
static void test_impossible_pair_with_count(void **state)
{
	struct fixture *f = *state;
	const char *t;

	f->s.stats[STAT(DROP, UNDER_LIMIT)] = (struct fg_counter){2, 128};
	t = render(f);
	want_line(t, "floodgate_packets_total{action=\"drop\","
		     "reason=\"under_limit\"} 2");
	want_line(t, "floodgate_bytes_total{action=\"drop\","
		     "reason=\"under_limit\"} 128");
}

static void test_rule_counters(void **state)
{
	struct fixture *f = *state;
	const char *t = render(f);

	want_line(t, "floodgate_rule_packets_total{rule=\"default\","
		     "action=\"pass\"} 11");
	want_line(t, "floodgate_rule_packets_total{rule=\"default\","
		     "action=\"drop\"} 12");
	want_line(t, "floodgate_rule_packets_total{rule=\"http\","
		     "action=\"pass\"} 21");
	want_line(t, "floodgate_rule_packets_total{rule=\"http\","
		     "action=\"drop\"} 22");
	/* the quote, backslash and newline of a rule name are escaped */
	want_line(t, "floodgate_rule_packets_total{rule=\"we\\\"ird\\\\na"
		     "\\nme\",action=\"pass\"} 31");
	want_line(t, "floodgate_rule_packets_total{rule=\"we\\\"ird\\\\na"
		     "\\nme\",action=\"drop\"} 32");
	/* default + 2 rules, each with every action */
	assert_int_equal(count_prefix(t, "floodgate_rule_packets_total{"),
			 3 * FG_RULE_ACTIONS);
	assert_null(strstr(t, "stale"));
}

static void test_gauges(void **state)
{
	struct fixture *f = *state;
	const char *t = render(f);
	char line[256];

	want_line(t, "floodgate_enabled 1");
	want_line(t, "floodgate_dry_run 0");
	want_line(t, "floodgate_tracked_sources 1234");
	want_line(t, "floodgate_tracked_sources_capacity 262144");
	want_line(t, "floodgate_blocked_sources 5");
	want_line(t, "floodgate_chain_packets_total 0");
	want_line(t, "floodgate_config_reloads_total{result=\"success\"} 3");
	want_line(t, "floodgate_config_reloads_total{result=\"failure\"} 1");
	want_line(t, "floodgate_config_last_reload_success_timestamp_seconds "
		     "1700000000.250");
	snprintf(line, sizeof(line),
		 "floodgate_build_info{version=\"%s\",libbpf=\"%s\"} 1",
		 FG_VERSION, libbpf_version_string());
	want_line(t, line);
	assert_int_equal(count_prefix(t, "floodgate_build_info{version=\"\""),
			 0);

	f->s.enabled = false;
	f->s.dry_run = true;
	f->s.chain.handed.packets = 4242;
	t = render(f);
	want_line(t, "floodgate_enabled 0");
	want_line(t, "floodgate_chain_packets_total 4242");
	want_line(t, "floodgate_dry_run 1");
}

/* One attached series per configured interface whatever its state, the
 * mode in its own info series. */
static void test_interfaces(void **state)
{
	struct fixture *f = *state;
	const char *t = render(f);

	want_line(t, "floodgate_interface_attached{interface=\"eth0\"} 1");
	want_line(t, "floodgate_interface_attached{interface=\"eth1\"} 0");
	want_line(t, "floodgate_interface_info{interface=\"eth0\","
		     "mode=\"native\"} 1");
	want_line(t, "floodgate_interface_info{interface=\"eth1\","
		     "mode=\"none\"} 1");
	assert_int_equal(count_prefix(t, "floodgate_interface_attached{"), 2);
	assert_int_equal(count_prefix(t, "floodgate_interface_info{"), 2);
	assert_null(
	    strstr(t, "floodgate_interface_attached{interface=\"eth0\","));

	f->d.ifaces[1].mode = "generic";
	t = render(f);
	want_line(t, "floodgate_interface_attached{interface=\"eth1\"} 1");
	want_line(t, "floodgate_interface_info{interface=\"eth1\","
		     "mode=\"generic\"} 1");

	f->d.nifaces = 0;
	t = render(f);
	assert_int_equal(count_prefix(t, "floodgate_interface_attached{"), 0);
	want_line(t, "# TYPE floodgate_interface_attached gauge");
	want_line(t, "# TYPE floodgate_interface_info gauge");
}

/* Refused packets are their own counter, not a table event beside the
 * entries. */
static void test_admission_split(void **state)
{
	struct fixture *f = *state;
	const char *t = render(f);

	want_line(t, "floodgate_admission_refused_packets_total 9000");
	want_line(t,
		  "# TYPE floodgate_admission_refused_packets_total counter");
	want_line(t,
		  "floodgate_source_table_events_total{event=\"inserted\"} 70");
	want_line(t,
		  "floodgate_source_table_events_total{event=\"blocked\"} 4");
	no_line_prefix(
	    t, "floodgate_source_table_events_total{event=\"refused\"}");
	assert_int_equal(
	    count_prefix(t, "floodgate_source_table_events_total{"), 5);
}

static void test_reload_and_revert(void **state)
{
	struct fixture *f = *state;
	const char *t = render(f);

	want_line(t, "floodgate_config_last_reload_successful 1");
	want_line(t,
		  "floodgate_revert_timestamp_seconds{setting=\"enabled\"} 0");
	want_line(t,
		  "floodgate_revert_timestamp_seconds{setting=\"dry_run\"} 0");
	f->d.last_reload_ok = false;
	f->d.enabled_revert_at = 1700000900;
	t = render(f);
	want_line(t, "floodgate_config_last_reload_successful 0");
	want_line(t, "floodgate_revert_timestamp_seconds{setting=\"enabled\"} "
		     "1700000900");
	want_line(t,
		  "floodgate_revert_timestamp_seconds{setting=\"dry_run\"} 0");
}

/* 900 s after boot, the revert due at boot + 1000 s is 100 s from now. */
static void test_boottime_to_unix(void **state)
{
	(void)state;
	assert_true(fg_prom_boottime_to_unix(1000, 900.0, 1700000000.0) ==
		    1700000100.0);
	/* already due (the daemon has not flipped it yet): in the past */
	assert_true(fg_prom_boottime_to_unix(800, 900.5, 1700000000.5) ==
		    1699999900.0);
	assert_true(fg_prom_boottime_to_unix(0, 900.0, 1700000000.0) == 0);
}

static void test_process_series(void **state)
{
	struct fixture *f = *state;
	struct fg_process_stats p = {.cpu_seconds = 1.25,
				     .start_time = 1700000000.5,
				     .resident_bytes = 8388608,
				     .virtual_bytes = 123456789,
				     .open_fds = 12,
				     .max_fds = 1024};
	const char *t = render(f);

	assert_null(strstr(t, "process_"));
	f->d.process = &p;
	t = render(f);
	want_line(t, "# TYPE process_cpu_seconds_total counter");
	want_line(t, "process_cpu_seconds_total 1.25");
	want_line(t, "process_start_time_seconds 1700000000.5");
	want_line(t, "process_resident_memory_bytes 8388608");
	want_line(t, "process_virtual_memory_bytes 123456789");
	want_line(t, "process_open_fds 12");
	want_line(t, "process_max_fds 1024");
	/* unknown: left out rather than a made-up value */
	p.open_fds = -1;
	p.max_fds = -1;
	t = render(f);
	no_line_prefix(t, "process_open_fds");
	no_line_prefix(t, "process_max_fds");
	no_line_prefix(t, "# HELP process_max_fds");
}

static void test_top_sources(void **state)
{
	struct fixture *f = *state;
	const char *t = render(f);

	want_line(t, "floodgate_top_source_dropped_packets{"
		     "source=\"192.0.2.0/24\"} 500");
	want_line(t, "floodgate_top_source_dropped_packets{"
		     "source=\"2001:db8::/64\"} 40");
	want_line(t, "# TYPE floodgate_top_source_dropped_packets gauge");
	assert_int_equal(
	    count_prefix(t, "floodgate_top_source_dropped_packets{"), 2);

	f->d.ntop = 0;
	t = render(f);
	assert_null(strstr(t, "floodgate_top_source_dropped_packets"));
}

static void test_tracked_sources_not_counted(void **state)
{
	struct fixture *f = *state;
	const char *t;

	f->s.tracked_sources = -1;
	t = render(f);
	no_line_prefix(t, "floodgate_tracked_sources ");
	no_line_prefix(t, "# HELP floodgate_tracked_sources ");
	no_line_prefix(t, "# TYPE floodgate_tracked_sources ");
	want_line(t, "floodgate_tracked_sources_capacity 262144");

	f->s.tracked_sources = 0;
	t = render(f);
	want_line(t, "floodgate_tracked_sources 0");
}

static const struct {
	const char *name, *type;
} families[] = {
    {"floodgate_packets_total", "counter"},
    {"floodgate_bytes_total", "counter"},
    {"floodgate_rule_packets_total", "counter"},
    {"floodgate_enabled", "gauge"},
    {"floodgate_dry_run", "gauge"},
    {"floodgate_tracked_sources", "gauge"},
    {"floodgate_tracked_sources_capacity", "gauge"},
    {"floodgate_blocked_sources", "gauge"},
    {"floodgate_revert_timestamp_seconds", "gauge"},
    {"floodgate_source_table_events_total", "counter"},
    {"floodgate_admission_refused_packets_total", "counter"},
    {"floodgate_chain_packets_total", "counter"},
    {"floodgate_interface_attached", "gauge"},
    {"floodgate_interface_info", "gauge"},
    {"floodgate_config_reloads_total", "counter"},
    {"floodgate_config_last_reload_success_timestamp_seconds", "gauge"},
    {"floodgate_config_last_reload_successful", "gauge"},
    {"floodgate_build_info", "gauge"},
    {"floodgate_top_source_dropped_packets", "gauge"},
    {"floodgate_fleet_up", "gauge"},
    {"floodgate_fleet_hosts", "gauge"},
    {"floodgate_fleet_blocked_sources", "gauge"},
    {"floodgate_fleet_sync_duration_seconds", "histogram"},
    {"floodgate_fleet_errors_total", "counter"},
    {"floodgate_fleet_published_sources_total", "counter"},
    {"floodgate_fleet_blocks_refused_total", "counter"},
    {"floodgate_fleet_redis_commands_total", "counter"},
    {"floodgate_fleet_redis_sent_bytes_total", "counter"},
    {"process_cpu_seconds_total", "counter"},
    {"process_open_fds", "gauge"},
    {"process_max_fds", "gauge"},
    {"process_virtual_memory_bytes", "gauge"},
    {"process_resident_memory_bytes", "gauge"},
    {"process_start_time_seconds", "gauge"},
};

/* The fleet's series: zeros without a fleet job, its numbers with one;
 * the histogram cumulative, every op labelled. */
static void test_fleet_series(void **state)
{
	struct fixture *f = *state;
	struct fg_fleet_stats fs = {.configured = true,
				    .up = true,
				    .hosts = 3,
				    .published_sources = 40,
				    .commands = 9,
				    .bytes_sent = 7000,
				    .blocks_refused = 4};
	const char *t = render(f);

	want_line(t, "floodgate_fleet_up 0");
	want_line(t, "floodgate_fleet_sync_duration_seconds_count 0");
	want_line(t, "floodgate_fleet_errors_total{op=\"auth\"} 0");
	fg_fleet_stats_observe(&fs, 0.0007); /* le 0.001 and up */
	fg_fleet_stats_observe(&fs, 0.2);    /* le 0.25 and up */
	fg_fleet_stats_observe(&fs, 3);	     /* +Inf only */
	fs.errors[FG_FLEET_OP_CONNECT] = 5;
	f->s.fleet_blocked = 2; /* live fg_fleet_blocked entries */
	f->d.fleet = &fs;
	t = render(f);
	want_line(t, "floodgate_fleet_up 1");
	want_line(t, "floodgate_fleet_hosts 3");
	want_line(t, "floodgate_fleet_blocked_sources 2");
	want_line(
	    t, "floodgate_fleet_sync_duration_seconds_bucket{le=\"0.0005\"} 0");
	want_line(
	    t, "floodgate_fleet_sync_duration_seconds_bucket{le=\"0.001\"} 1");
	want_line(t,
		  "floodgate_fleet_sync_duration_seconds_bucket{le=\"0.1\"} 1");
	want_line(
	    t, "floodgate_fleet_sync_duration_seconds_bucket{le=\"0.25\"} 2");
	want_line(t,
		  "floodgate_fleet_sync_duration_seconds_bucket{le=\"1\"} 2");
	want_line(
	    t, "floodgate_fleet_sync_duration_seconds_bucket{le=\"+Inf\"} 3");
	want_line(t, "floodgate_fleet_sync_duration_seconds_sum 3.200700");
	want_line(t, "floodgate_fleet_sync_duration_seconds_count 3");
	want_line(t, "floodgate_fleet_errors_total{op=\"connect\"} 5");
	want_line(t, "floodgate_fleet_errors_total{op=\"sync\"} 0");
	want_line(t, "floodgate_fleet_published_sources_total 40");
	want_line(t, "floodgate_fleet_blocks_refused_total 4");
	want_line(t, "floodgate_fleet_redis_commands_total 9");
	want_line(t, "floodgate_fleet_redis_sent_bytes_total 7000");
}

static void test_help_and_type_once(void **state)
{
	struct fixture *f = *state;
	struct fg_process_stats p = {.open_fds = 3, .max_fds = 1024};
	const char *t;

	f->d.process = &p;
	t = render(f);
	char line[256];
	int help = 0, type = 0;

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const char *n = families[i].name;

		snprintf(line, sizeof(line), "# TYPE %s %s", n,
			 families[i].type);
		want_line(t, line);
		snprintf(line, sizeof(line), "# HELP %s ", n);
		assert_int_equal(count_prefix(t, line), 1);
		snprintf(line, sizeof(line), "# TYPE %s ", n);
		assert_int_equal(count_prefix(t, line), 1);
	}
	/* nothing else has a HELP or TYPE */
	help = count_prefix(t, "# HELP ");
	type = count_prefix(t, "# TYPE ");
	assert_int_equal(help, sizeof(families) / sizeof(families[0]));
	assert_int_equal(type, sizeof(families) / sizeof(families[0]));
	/* every line is a comment or starts with a family's name */
	for (const char *q = t; *q;) {
		const char *nl = strchr(q, '\n');

		assert_non_null(nl); /* every line ends in \n */
		assert_true(!strncmp(q, "# ", 2) ||
			    !strncmp(q, "floodgate_", 10) ||
			    !strncmp(q, "process_", 8));
		q = nl + 1;
	}
}

static int promtool_path(char *buf, size_t len)
{
	static const char *const dirs[] = {"/usr/bin", "/usr/local/bin",
					   "/bin"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/promtool", dirs[i]);
		if (!access(buf, X_OK))
			return 0;
	}
	return -1;
}

static void promtool_check(const char *text)
{
	char tool[64], path[] = "/tmp/fg_test_prom_XXXXXX", cmd[256],
		       out[4096] = "";
	size_t n = 0, len = strlen(text);
	FILE *p;
	int fd, status;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	assert_int_equal(promtool_path(tool, sizeof(tool)), 0);
	snprintf(cmd, sizeof(cmd), "%s check metrics < %s 2>&1", tool, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n < sizeof(out) - 1) {
		size_t r = fread(out + n, 1, sizeof(out) - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	status = pclose(p);
	unlink(path);
	if (n)
		fail_msg("promtool check metrics said:\n%s", out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_promtool(void **state)
{
	struct fixture *f = *state;
	struct fg_process_stats p = {.cpu_seconds = 0.5,
				     .start_time = 1700000000,
				     .resident_bytes = 4096,
				     .virtual_bytes = 8192,
				     .open_fds = 7,
				     .max_fds = 1024};
	char tool[64];

	if (promtool_path(tool, sizeof(tool)))
		skip();
	f->d.process = &p;
	f->d.enabled_revert_at = 1700000900;
	promtool_check(render(f));
	/* and the smaller variant */
	f->s.tracked_sources = -1;
	f->d.ntop = 0;
	f->d.ifaces[0].mode = NULL;
	promtool_check(render(f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_value),
	    cmocka_unit_test_setup_teardown(test_verdict_counters, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_impossible_pair_with_count,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rule_counters, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_gauges, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interfaces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_admission_split, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reload_and_revert, setup,
					    teardown),
	    cmocka_unit_test(test_boottime_to_unix),
	    cmocka_unit_test_setup_teardown(test_process_series, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_top_sources, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tracked_sources_not_counted,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_help_and_type_once, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fleet_series, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_promtool, setup, teardown),
	};

	return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
