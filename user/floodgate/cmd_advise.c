// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate advise [--rule NAME] [--since DURATION] [--min-observed
 * DURATION] [--min-sources N]: per rule, the distribution of per-source
 * peak packet rates the daemon sampled, for how long and from how many
 * sources, what candidate limits would have touched, and a suggested
 * limit and burst, or why there is none (advise.h has the arithmetic
 * and the floors, the man page the rule). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advise.h"
#include "advisestore.h"
#include "cli.h"

/* What the CLI knows of one rule: its live config (if any) and the
 * windows it has data in. */
struct rule_report {
	char name[FG_RULE_NAME_LEN];
	__u32 id;
	bool live;
	struct fg_limit packets;
	unsigned int windows;
	__u64 samples;
	struct fg_advise_dist dist;
};

struct advise_data {
	struct rule_report rules[FG_ADVISE_ENTRIES + FG_RULE_SLOTS];
	size_t n;
	__u32 window_s, interval_ms;
};

static struct rule_report *report_for(struct advise_data *d, __u32 id,
				      const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->rules[i].id == id)
			return &d->rules[i];
	memset(&d->rules[d->n], 0, sizeof(d->rules[0]));
	d->rules[d->n].id = id;
	snprintf(d->rules[d->n].name, FG_RULE_NAME_LEN, "%s", name);
	return &d->rules[d->n++];
}

/* The live rules first (config order), then those a reload removed
 * that still have windows in range. */
static int gather(struct cli *c, __u64 since_s, struct advise_data *d)
{
	struct fg_advise_rule live[FG_RULE_SLOTS];
	struct fg_advise_hist *h = calloc(FG_ADVISE_ENTRIES, sizeof(*h));
	__u64 now = (__u64)time(NULL);
	long nlive, nh;

	if (!h)
		return -ENOMEM;
	nlive = fg_advise_live_rules(&c->maps, live);
	nh = nlive < 0 ? nlive : fg_advise_read(&c->maps, h, NULL);
	if (nh < 0) {
		free(h);
		return (int)nh;
	}
	for (long i = 0; i < nlive; i++) {
		struct rule_report *r = report_for(d, live[i].id, live[i].name);

		r->live = true;
		r->packets = live[i].packets;
	}
	for (long i = 0; i < nh; i++) {
		struct rule_report *r;

		if (h[i].start_s + h[i].window_s + since_s <= now)
			continue; /* ended before the range began */
		r = report_for(d, h[i].rule_id, h[i].rule);
		fg_advise_dist_add_hist(&r->dist, &h[i]);
		r->windows++;
		r->samples += h[i].samples;
		d->window_s = h[i].window_s;
		d->interval_ms = h[i].interval_ms;
	}
	free(h);
	return 0;
}

struct candidate {
	const char *name;
	double limit;
};

static size_t candidates(const struct rule_report *r,
			 const struct fg_advise_suggestion *s, bool suggested,
			 struct candidate out[5])
{
	double cur, burst;
	size_t n = 0;

	out[n++] = (struct candidate){
	    "p99", fg_advise_percentile(&r->dist, 0.99, FG_ADVISE_BUCKETS)};
	out[n++] = (struct candidate){
	    "p99.9", fg_advise_percentile(&r->dist, 0.999, FG_ADVISE_BUCKETS)};
	out[n++] = (struct candidate){"polite max", s->polite_max};
	fg_advise_limit_rate(&r->packets, &cur, &burst);
	if (r->live && cur > 0)
		out[n++] = (struct candidate){"current", cur};
	if (suggested)
		out[n++] = (struct candidate){"suggested", s->limit};
	return n;
}

static double max_of(const struct fg_advise_dist *d)
{
	return fg_advise_percentile(d, 1.0, FG_ADVISE_BUCKETS);
}

static void print_text(const struct rule_report *r, __u64 since_s,
		       const struct fg_advise_floor *f)
{
	struct fg_advise_suggestion s;
	struct candidate cand[5];
	double cur, burst;
	size_t nc;
	int rc;

	/* A source counts in each window it sent in: the sources are the
	 * most one window measured. */
	printf("rule %s: up to %llu sources in one window, %llus observed "
	       "(of the last %llus, %u windows)\n",
	       r->name, (unsigned long long)r->dist.sources,
	       (unsigned long long)(r->dist.observed_ms / 1000),
	       (unsigned long long)since_s, r->windows);
	if (r->dist.saturated)
		printf("  %llu sources not measured: their 32-bit counters "
		       "stopped at %u packets\n",
		       (unsigned long long)r->dist.saturated, FG_TOP_COUNT_MAX);
	rc = fg_advise_suggest(&r->dist, f, &s);
	if (rc == -ENODATA) {
		printf("  no traffic sampled\n");
		return;
	}
	printf("  packets/s per source, peak:  p50 %.4g  p99 %.4g  p99.9 "
	       "%.4g  max %.4g  (+-%.1f%%)\n",
	       fg_advise_percentile(&r->dist, 0.5, FG_ADVISE_BUCKETS),
	       fg_advise_percentile(&r->dist, 0.99, FG_ADVISE_BUCKETS),
	       fg_advise_percentile(&r->dist, 0.999, FG_ADVISE_BUCKETS),
	       max_of(&r->dist), FG_ADVISE_REL_ERROR * 100);
	printf("  %-12s %10s %14s\n", "CANDIDATE", "LIMIT", "SOURCES_OVER");
	nc = candidates(r, &s, !rc, cand);
	for (size_t i = 0; i < nc; i++)
		printf("  %-12s %10.4g %14llu\n", cand[i].name, cand[i].limit,
		       (unsigned long long)fg_advise_touched(&r->dist,
							     cand[i].limit));
	if (rc) {
		printf("  no suggestion: %s\n", s.refused);
		return;
	}
	printf("  suggested: packets %.0f/s, burst_packets %.0f", s.limit,
	       s.burst);
	if (s.outliers)
		printf(" (%llu outlier sources at >= %.4g/s left out)",
		       (unsigned long long)s.outliers,
		       fg_advise_bucket_low(s.outlier_from));
	fg_advise_limit_rate(&r->packets, &cur, &burst);
	if (r->live && cur > 0)
		printf("; now %.4g/s, burst %.0f", cur, burst);
	printf("\n  bytes, connections: not sampled\n");
}

static json_object *json_rule(const struct rule_report *r,
			      const struct fg_advise_floor *f)
{
	json_object *o = json_object_new_object();
	json_object *p, *arr, *ns;
	struct fg_advise_suggestion s;
	struct candidate cand[5];
	double cur, burst;
	size_t nc;
	int rc;

	json_object_object_add(o, "rule", json_object_new_string(r->name));
	json_object_object_add(o, "live", json_object_new_boolean(r->live));
	json_object_object_add(o, "windows", json_object_new_int(r->windows));
	json_object_object_add(o, "samples",
			       json_object_new_uint64(r->samples));
	json_object_object_add(o, "sources",
			       json_object_new_uint64(r->dist.sources));
	json_object_object_add(
	    o, "observed_seconds",
	    json_object_new_uint64(r->dist.observed_ms / 1000));
	json_object_object_add(o, "saturated_sources",
			       json_object_new_uint64(r->dist.saturated));
	fg_advise_limit_rate(&r->packets, &cur, &burst);
	if (r->live && cur > 0) {
		json_object *l = json_object_new_object();

		json_object_object_add(l, "limit", json_object_new_double(cur));
		json_object_object_add(l, "burst",
				       json_object_new_double(burst));
		json_object_object_add(o, "current", l);
	} else {
		json_object_object_add(o, "current", NULL);
	}
	ns = json_object_new_array();
	json_object_array_add(ns, json_object_new_string("bytes"));
	json_object_array_add(ns, json_object_new_string("connections"));
	json_object_object_add(o, "not_sampled", ns);
	rc = fg_advise_suggest(&r->dist, f, &s);
	json_object_object_add(
	    o, "refused",
	    rc == -ERANGE ? json_object_new_string(s.refused)
	    : rc	  ? json_object_new_string("no traffic sampled")
			  : NULL);
	if (rc == -ENODATA) {
		json_object_object_add(o, "packets", NULL);
		json_object_object_add(o, "suggested", NULL);
		return o;
	}
	p = json_object_new_object();
	json_object_object_add(p, "p50",
			       json_object_new_double(fg_advise_percentile(
				   &r->dist, 0.5, FG_ADVISE_BUCKETS)));
	json_object_object_add(p, "p99",
			       json_object_new_double(fg_advise_percentile(
				   &r->dist, 0.99, FG_ADVISE_BUCKETS)));
	json_object_object_add(p, "p999",
			       json_object_new_double(fg_advise_percentile(
				   &r->dist, 0.999, FG_ADVISE_BUCKETS)));
	json_object_object_add(p, "max",
			       json_object_new_double(max_of(&r->dist)));
	arr = json_object_new_array();
	for (unsigned int i = 0; i < FG_ADVISE_BUCKETS; i++) {
		json_object *b;

		if (!r->dist.count[i])
			continue;
		b = json_object_new_object();
		json_object_object_add(
		    b, "from", json_object_new_double(fg_advise_bucket_low(i)));
		json_object_object_add(
		    b, "sources", json_object_new_uint64(r->dist.count[i]));
		json_object_array_add(arr, b);
	}
	json_object_object_add(p, "histogram", arr);
	json_object_object_add(o, "packets", p);

	arr = json_object_new_array();
	nc = candidates(r, &s, !rc, cand);
	for (size_t i = 0; i < nc; i++) {
		json_object *k = json_object_new_object();

		json_object_object_add(k, "name",
				       json_object_new_string(cand[i].name));
		json_object_object_add(k, "limit",
				       json_object_new_double(cand[i].limit));
		json_object_object_add(k, "sources_over",
				       json_object_new_uint64(fg_advise_touched(
					   &r->dist, cand[i].limit)));
		json_object_array_add(arr, k);
	}
	json_object_object_add(o, "candidates", arr);
	json_object_object_add(o, "outliers",
			       json_object_new_uint64(s.outliers));
	json_object_object_add(
	    o, "outliers_from",
	    s.outliers
		? json_object_new_double(fg_advise_bucket_low(s.outlier_from))
		: NULL);
	if (rc) {
		json_object_object_add(o, "suggested", NULL);
		return o;
	}
	p = json_object_new_object();
	json_object_object_add(p, "packets", json_object_new_double(s.limit));
	json_object_object_add(p, "burst_packets",
			       json_object_new_double(s.burst));
	json_object_object_add(
	    p, "sources_over",
	    json_object_new_uint64(fg_advise_touched(&r->dist, s.limit)));
	json_object_object_add(o, "suggested", p);
	return o;
}

/* The rules' names, for the error on an unknown --rule. */
static void rule_names(const struct advise_data *d, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i ? ", " : "", d->rules[i].name);
}

int cmd_advise(struct cli *c, const struct fg_cmdline *a)
{
	__u64 since_s = a->since_ns / 1000000000ULL;
	const struct fg_advise_floor floor = {
	    .min_observed_s = a->min_observed_ns / 1000000000ULL,
	    .min_sources = a->min_sources,
	};
	struct advise_data *d;
	json_object *top = NULL, *arr = NULL;
	bool found = false;
	int rc;

	rc = cli_open(c);
	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return cli_err(c, 1, "out of memory");
	rc = gather(c, since_s, d);
	if (rc) {
		free(d);
		return cli_err(c, 1, "reading the advise histograms: %s",
			       strerror(-rc));
	}
	if (a->rule) {
		for (size_t i = 0; i < d->n; i++)
			found |= !strcmp(d->rules[i].name, a->rule);
		if (!found) {
			char names[1024];

			rule_names(d, names, sizeof(names));
			free(d);
			return cli_err(c, EXIT_USAGE,
				       "advise --rule: no rule \"%s\" (rules: "
				       "%s)",
				       a->rule, names);
		}
	}
	if (c->json) {
		top = json_object_new_object();
		json_object_object_add(top, "since_seconds",
				       json_object_new_uint64(since_s));
		json_object_object_add(
		    top, "window_seconds",
		    json_object_new_int(d->window_s ? (int)d->window_s : 0));
		json_object_object_add(
		    top, "interval_ms",
		    json_object_new_int((int)d->interval_ms));
		json_object_object_add(
		    top, "relative_error",
		    json_object_new_double(FG_ADVISE_REL_ERROR));
		json_object_object_add(
		    top, "min_observed_seconds",
		    json_object_new_uint64(floor.min_observed_s));
		json_object_object_add(
		    top, "min_sources",
		    json_object_new_uint64(floor.min_sources));
		arr = json_object_new_array();
	}
	for (size_t i = 0; i < d->n; i++) {
		if (a->rule && strcmp(d->rules[i].name, a->rule))
			continue;
		if (c->json)
			json_object_array_add(arr,
					      json_rule(&d->rules[i], &floor));
		else
			print_text(&d->rules[i], since_s, &floor);
	}
	if (c->json) {
		json_object_object_add(top, "rules", arr);
		cli_json_print(top);
	}
	free(d);
	return 0;
}
