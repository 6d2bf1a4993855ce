// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* floodgate top: the sources with the most drops (or packets). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "top.h"
#include "units.h"

#define WATCH_INTERVAL_S 2

static volatile sig_atomic_t stop_watch;

static void on_int(int sig)
{
	(void)sig;
	stop_watch = 1;
}

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

int cmd_top(struct cli *c, const struct fg_cmdline *a)
{
	int rc;

	rc = cli_open(c);
	if (rc)
		return rc;
	if (!a->top_watch)
		return show(c, a->top_by, a->top_n);
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	while (!stop_watch) {
		if (!c->json)
			printf("\033[H\033[J");
		rc = show(c, a->top_by, a->top_n);
		if (rc)
			return rc;
		fflush(stdout);
		sleep(WATCH_INTERVAL_S);
	}
	return 0;
}
