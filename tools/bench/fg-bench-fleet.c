// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fg-bench-fleet: what one host's fleet sync costs, against a real Redis
 * (tools/bench/fleet.sh starts it on a unix socket).
 *
 *   fg-bench-fleet --socket PATH --sources N [--periods K]
 *
 * Two measurements per N:
 *  - publish: the host's side. N active sources in fg_fleet_counts-like
 *    arrays go through the publish arithmetic (fleetpub) at two rates:
 *    "busy" sources at their share of a fleet limit (every one is
 *    published), and "quiet" ones at 1/100 of it (none is, the
 *    threshold holds them). Prints how many travel per period and the
 *    CPU time of the arithmetic.
 *  - sync: the Redis side of a period in which all N are published:
 *    commands and bytes the client sends (counted by fleetredis), bytes
 *    Redis receives and sends and the commands it runs (INFO deltas,
 *    inside the script included), Redis' memory after, and the sync's
 *    time as a ratio to an empty sync (heartbeat and pull only) timed
 *    in the same run.
 */
#include <errno.h>
#include <getopt.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetpub.h"
#include "fleetredis.h"
#include "redisurl.h"

#define NS_PER_S 1000000000ULL
#define SYNC_NS (250 * 1000000ULL)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One INFO field as a number. */
static double info_field(redisContext *rc, const char *section,
			 const char *field)
{
	redisReply *r = redisCommand(rc, "INFO %s", section);
	double v = -1;
	char *p;

	if (!r)
		return -1;
	if (r->type == REDIS_REPLY_STRING) {
		p = strstr(r->str, field);
		if (p && p[strlen(field)] == ':')
			v = strtod(p + strlen(field) + 1, NULL);
	}
	freeReplyObject(r);
	return v;
}

/* Calls made inside the script too: the sum of commandstats' calls. */
static double commands_run(redisContext *rc)
{
	redisReply *r = redisCommand(rc, "INFO commandstats");
	double n = 0;

	if (!r)
		return -1;
	for (char *p = r->type == REDIS_REPLY_STRING ? r->str : NULL;
	     p && (p = strstr(p, "calls=")); p += 6)
		n += strtod(p + 6, NULL);
	freeReplyObject(r);
	return n;
}

static void make_key(size_t i, struct fg_src_key *k)
{
	memset(k, 0, sizeof(*k));
	k->addr[0] = __builtin_bswap32(0x20010db8);
	k->addr[2] = __builtin_bswap32((__u32)(i >> 16));
	k->addr[3] = __builtin_bswap32((__u32)(i & 0xffff) + 1);
	k->rule_id = 0x1234;
}

static int publish_bench(size_t n, unsigned int periods)
{
	struct fg_fleet_rules rules = {.n = 1};
	struct fg_src_key *keys = calloc(n, sizeof(*keys));
	struct fg_fleet_count *vals = calloc(n, sizeof(*vals));
	struct fg_fleet_item *out = calloc(n, sizeof(*out));
	struct fg_fleet_table *t = fg_fleet_table_new();
	const double limit = 1000; /* per second, per source, fleet-wide */
	const unsigned int hosts = 3;
	int rc = -ENOMEM;

	if (!keys || !vals || !out || !t)
		goto out;
	rules.rule[0].id = 0x1234;
	rules.rule[0].interval_ns[FG_DIM_PACKETS] = 1e9 / limit;
	rules.rule[0].tolerance_ns[FG_DIM_PACKETS] = 1e9;
	for (size_t i = 0; i < n; i++)
		make_key(i, &keys[i]);
	for (int busy = 1; busy >= 0; busy--) {
		/* Per period and host: the share (limit / hosts), or 1 % of
		 * it. */
		double per = limit * ((double)SYNC_NS / 1e9) / hosts *
			     (busy ? 1.0 : 0.01);
		double t0, cpu = 0, acc = 0;
		long published = 0;

		for (unsigned int p = 0; p <= periods; p++) {
			struct fg_fleet_period pp = {
			    .now_ns = (p + 1) * SYNC_NS,
			    .sync_ns = SYNC_NS,
			    .hosts = hosts,
			    .publish = true,
			    .max_items = n, /* the arithmetic alone */
			};
			long got;

			acc += per;
			for (size_t i = 0; i < n; i++)
				vals[i].packets = (__u64)acc;
			t0 = now_s();
			got = fg_fleet_table_period(t, &rules, keys, vals, n,
						    &pp, out);
			if (got < 0)
				goto out;
			if (p) { /* period 0 only takes baselines */
				cpu += now_s() - t0;
				published += got;
			}
		}
		printf("publish n=%zu %s sources (%s of their share): "
		       "%.0f published per period; arithmetic %.2f ms per "
		       "period (%.0f ns per source)\n",
		       n, busy ? "busy" : "quiet", busy ? "all" : "1 %",
		       (double)published / periods, cpu * 1e3 / periods,
		       cpu * 1e9 / periods / (double)n);
		fg_fleet_table_free(t);
		t = fg_fleet_table_new();
		if (!t)
			goto out;
	}
	rc = 0;
out:
	fg_fleet_table_free(t);
	free(keys);
	free(vals);
	free(out);
	return rc;
}

struct sample {
	double seconds, in, out, cmds;
	size_t client_cmds, client_bytes;
};

/* What Redis counted so far: bytes in and out, commands run. */
struct redis_counts {
	double in, out, cmds;
};

static struct redis_counts redis_counts(redisContext *probe)
{
	struct redis_counts r = {
	    .in = info_field(probe, "stats", "total_net_input_bytes"),
	    .out = info_field(probe, "stats", "total_net_output_bytes"),
	    .cmds = commands_run(probe),
	};

	return r;
}

/* Adds to *sum what Redis counted from `from` to now, less the probe's
 * own INFO calls (`noise`). */
static void add_since(struct sample *sum, redisContext *probe,
		      const struct redis_counts *from,
		      const struct redis_counts *noise)
{
	struct redis_counts to = redis_counts(probe);

	sum->in += to.in - from->in - noise->in;
	sum->out += to.out - from->out - noise->out;
	sum->cmds += to.cmds - from->cmds - noise->cmds;
}

/* One sync, added to *sum. */
static int one_sync(struct fg_fleet_conn *c, redisContext *probe,
		    const struct fg_fleet_sync_args *a,
		    const struct redis_counts *noise, struct sample *sum)
{
	struct fg_fleet_result r;
	char err[256];
	struct redis_counts from = redis_counts(probe);
	double t0 = now_s();
	int rc = fg_fleet_sync(c, a, &r, err, sizeof(err));

	sum->seconds += now_s() - t0;
	if (rc) {
		fprintf(stderr, "fg-bench-fleet: sync: %s\n", err);
		return rc;
	}
	add_since(sum, probe, &from, noise);
	sum->client_cmds += r.commands;
	sum->client_bytes += r.bytes_sent;
	fg_fleet_result_free(&r);
	return 0;
}

static int sync_bench(const char *sock, size_t n, unsigned int periods)
{
	struct fg_redis_addr addr = {.is_unix = true};
	struct fg_fleet_item *items = calloc(n, sizeof(*items));
	struct fg_fleet_sync_args a = {
	    .name = "bench",
	    .host = "h1",
	    .host_ttl_us = 3 * SYNC_NS / 1000,
	    .block_max_us = 600ULL * 1000000,
	};
	struct sample empty = {0}, full = {0}, probe_only = {0};
	struct redis_counts none = {0}, noise, from;
	redisContext *probe = redisConnectUnix(sock);
	struct fg_fleet_conn *c;
	enum fg_fleet_op op;
	char err[256];
	int rc = -EIO;

	snprintf(addr.path, sizeof(addr.path), "%s", sock);
	c = fg_fleet_connect(&addr, NULL, NS_PER_S, &op, err, sizeof(err));
	if (!c || !probe || probe->err || !items) {
		fprintf(stderr, "fg-bench-fleet: connect: %s\n",
			c ? "probe" : err);
		goto out;
	}
	redisCommand(probe, "FLUSHALL");
	for (size_t i = 0; i < n; i++) {
		make_key(i, &items[i].key);
		/* Well under the tolerance: no blocks, the common case. */
		items[i].charge_ns[FG_DIM_PACKETS] = 1e9;
		items[i].tolerance_ns[FG_DIM_PACKETS] = 60e9;
	}
	/* The probe's INFO calls alone, to subtract. */
	from = redis_counts(probe);
	add_since(&probe_only, probe, &from, &none);
	noise = (struct redis_counts){probe_only.in, probe_only.out,
				      probe_only.cmds};
	for (unsigned int p = 0; p < periods; p++) {
		a.items = NULL;
		a.nitems = 0;
		if (one_sync(c, probe, &a, &noise, &empty))
			goto out;
		a.items = items;
		a.nitems = n;
		if (one_sync(c, probe, &a, &noise, &full))
			goto out;
	}
	printf("sync n=%zu published: %.1f commands sent (%zu bytes, %.0f "
	       "per source); Redis received %.0f B, sent %.0f B, ran %.0f "
	       "commands (script calls included) per period\n",
	       n, (double)full.client_cmds / periods,
	       full.client_bytes / periods,
	       (double)full.client_bytes / periods / (double)n,
	       full.in / periods, full.out / periods, full.cmds / periods);
	printf("sync n=%zu none published (quiet sources: heartbeat and "
	       "pull): %.1f commands sent; Redis received %.0f B, sent %.0f "
	       "B, ran %.0f commands per period\n",
	       n, (double)empty.client_cmds / periods, empty.in / periods,
	       empty.out / periods, empty.cmds / periods);
	printf("sync n=%zu time: %.2f ms per sync = %.1fx an empty sync "
	       "(%.3f ms) in this run; Redis used_memory %.1f MB\n",
	       n, full.seconds * 1e3 / periods, full.seconds / empty.seconds,
	       empty.seconds * 1e3 / periods,
	       info_field(probe, "memory", "used_memory") / 1048576.0);
	rc = 0;
out:
	fg_fleet_disconnect(c);
	if (probe)
		redisFree(probe);
	free(items);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"sources", required_argument, NULL, 'n'},
	    {"periods", required_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	const char *sock = NULL;
	size_t n = 1000;
	unsigned long periods = 5;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 's')
			sock = optarg;
		else if (o == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (o == 'k')
			periods = strtoul(optarg, NULL, 10);
		else
			goto usage;
	}
	if (!sock || n < 1 || n > 1000000 || periods < 1 || periods > 100)
		goto usage;
	if (publish_bench(n, (unsigned int)periods) ||
	    sync_bench(sock, n, (unsigned int)periods))
		return 1;
	return 0;
usage:
	fprintf(stderr, "usage: fg-bench-fleet --socket PATH --sources N "
			"(1..1000000) [--periods K (1..100)]\n");
	return 2;
}
